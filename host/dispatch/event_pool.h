// EventPool -- where Events come from: recycled objects instead of two
// fresh heap blocks (the shared_ptr's control block and the payload's
// buffer) per event.
//
// Why: an event is made on the emitting thread and freed on whichever pool
// thread ends its last delivery. glibc's malloc is slow at exactly that
// pattern: the freeing thread's cache fills, its frees then take the
// allocating thread's arena lock, and the allocating thread finds its own
// cache empty every time. perf put malloc and free at 16 % of dispatching
// to one plugin. Here a freed event keeps its name's and payload's buffers
// and goes back to a per-thread cache; full caches hand their events to a
// shared stock in batches, and empty ones take a batch from it, so the
// two threads meet under a lock once per batch, not per event.
//
// Thread-safety: make_event() may be called from any thread; the event it
// returns is the caller's alone until it is shared (EventPtr), and is
// recycled when its last reference goes, on that thread. The stock is
// bounded: past it, freed events go back to the heap.
#pragma once

#include "dispatch/event.h"

namespace eventhost {

// A new, empty Event (id 0, empty name and payload, no cause) whose
// strings may already have room from an earlier life. The returned pointer
// owns it; the last copy's release recycles it.
std::shared_ptr<Event> make_event();

}  // namespace eventhost
