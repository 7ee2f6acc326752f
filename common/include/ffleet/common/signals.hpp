// Signals delivered to the event loop through a self-pipe: the handler only
// writes the signal number; the loop polls the read end and handles it there.
// A self-pipe (not signalfd) because blocked signal masks would be inherited
// by ffmpeg children.
#pragma once

#include <initializer_list>
#include <vector>

namespace ffleet::signals {

// Installs handlers for the given signals. Call once, before the loop.
void install(std::initializer_list<int> sigs);

// The read end to poll (non-blocking, close-on-exec).
int fd();

// Signals received since the last call, in order.
std::vector<int> drain();

}  // namespace ffleet::signals
