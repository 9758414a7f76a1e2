// The one Catch2 main shared by every test binary. Test programs are applications: they ignore
// SIGPIPE, as docs/operations.md tells every application using uvkafka to (a broker connection
// reset mid-write must fail the write, not end the process).
#define CATCH_CONFIG_RUNNER
#include <signal.h>

#include <catch2/catch.hpp>

int main(int argc, char **argv) {
  signal(SIGPIPE, SIG_IGN);
  return Catch::Session().run(argc, argv);
}
