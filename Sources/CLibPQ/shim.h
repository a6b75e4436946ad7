#ifndef SKILLSTREAM_CLIBPQ_SHIM_H
#define SKILLSTREAM_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
