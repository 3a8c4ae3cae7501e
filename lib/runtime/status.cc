#include "runtime/status.h"
