#include "runtime/server.h"
