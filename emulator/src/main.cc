// ptx-emulator: parses flags, starts the emulator, prints the ready line, and shuts down
// cleanly on SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <google/protobuf/stubs/logging.h>
#include <malloc.h>
#include <pthread.h>

#include "emulator.h"
#include "options.h"

int main(int argc, char** argv) {
  ptx::emulator::FlagParse flags = ptx::emulator::ParseFlags(argc, argv, std::getenv);
  if (flags.help) {
    std::cout << ptx::emulator::Usage();
    return 0;
  }
  if (!flags.status.ok()) {
    std::cerr << "ptx-emulator: " << flags.status.message() << "\n\n" << ptx::emulator::Usage();
    return 2;
  }

  // Clients may send anything; protobuf's parse-error logging would flood stderr, and every
  // refusal already reaches the client as a status.
  google::protobuf::SetLogHandler(nullptr);

  // Request bodies and inflated payloads of a few 100 KiB come and go with every request.
  // glibc would raise its mmap threshold after the first such free and serve later ones from
  // the heap, where a long stream fragments it and RSS keeps growing (integration
  // test_byte_limits_keep_memory_flat_under_a_long_stream); a fixed threshold keeps large
  // blocks as their own mappings, returned to the system on free. Decoded requests' arena
  // blocks stay below it (kArenaMaxBlock in otlp_records.h), reused warm from the heap.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  // Records are freed by whichever thread evicts them, not the one that decoded them; glibc
  // parks such small chunks in fastbins and later consolidates them inside an unrelated large
  // malloc on the request path. Without fastbins a free coalesces at once.
  mallopt(M_MXFAST, 0);

  // Block the shutdown signals before any thread starts so that every thread inherits the
  // mask and only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the process

  ptx::emulator::Emulator emulator(flags.options);
  ptx::Status started = emulator.Start();
  if (!started.ok()) {
    std::cerr << "ptx-emulator: " << started.message() << std::endl;
    emulator.Shutdown();
    return 1;
  }
  std::cout << emulator.ReadyLine() << std::endl;  // endl flushes: launchers wait for this line

  int received = 0;
  sigwait(&signals, &received);
  emulator.Shutdown();
  return 0;
}
