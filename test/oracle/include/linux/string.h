/* Oracle shim (ours). */
#include <string.h>
