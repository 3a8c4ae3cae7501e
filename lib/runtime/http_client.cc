#include "runtime/http_client.h"
