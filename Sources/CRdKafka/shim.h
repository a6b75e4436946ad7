#ifndef SKILLSTREAM_CRDKAFKA_SHIM_H
#define SKILLSTREAM_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#endif
