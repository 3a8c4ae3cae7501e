#include "runtime/pg.h"
