#include <iostream>

#include "lcctl.h"

int main(int argc, char** argv) {
  return liveconnect::lcctl::RunLcctl(argc, argv, std::cout, std::cerr);
}
