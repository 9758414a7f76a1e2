/* Stands in front of the system's uv.h for every layer but lib/io (and lib/capi, which starts
 * the driver): those layers are I/O-free, so including libuv there is a build error. */
#error "uv.h included outside lib/io: this layer is I/O-free (docs/architecture.md, 'The layers as build targets')"
