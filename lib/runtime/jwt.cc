#include "runtime/jwt.h"
