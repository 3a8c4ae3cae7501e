#include <iostream>

#include "lcctl.h"

int main(int argc, char** argv) { return lc::lcctl::RunLcctl(argc, argv, std::cout, std::cerr); }
