// SPDX-License-Identifier: Apache-2.0
// A NIF-shaped library in C++, built by legal_images.sh: exceptions thrown
// and caught inside it, a thread_local with a destructor, a static object
// with a constructor. legal_value() tells whether all of them worked.
#include <stdexcept>
#include <string>

namespace {

struct Counter {
    int n = 0;
    ~Counter() {
        n = -1;
    }
};

thread_local Counter per_thread;
const std::string greeting = "legal"; // a static constructor and destructor

int thrower(int n) {
    if (n > 0)
        throw std::runtime_error(greeting);
    return n;
}

} // namespace

extern "C" {

struct legal_entry {
    int major, minor;
    const char *name;
};

static const legal_entry entry = {2, 17, "legal_nif_cxx"};

const legal_entry *nif_init() {
    return &entry;
}

int legal_value() {
    per_thread.n++;
    try {
        return thrower(1);
    } catch (const std::runtime_error &e) {
        return e.what() == greeting && per_thread.n > 0 ? 42 : -1;
    }
}
}
