// Frees large buffers on a background thread. Returning a few hundred MB to the OS takes tens of
// ms (the kernel unmaps and frees every page); at the end of a fit of a wide layer that sat
// between abort() and the promise's rejection (issue 12: ~35 of ~55 ms for hidden [4096] at
// batch 8192 on a 2-core machine).
#pragma once
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace td {
namespace cpu {

namespace detail {
struct Garbage {
  virtual ~Garbage() = default;
};
template <typename T>
struct Held : Garbage {
  explicit Held(T&& v) : value(std::move(v)) {}
  T value;
};
// Queues g for the release thread; destroys it on the calling thread when that thread cannot be
// started or the queue cannot grow.
void release_garbage(std::unique_ptr<Garbage> g) noexcept;
}  // namespace detail

// Moves `value` out and destroys it on the shared release thread soon after. Never throws: when
// the holder cannot be allocated, `value` is left untouched for the caller to free as usual.
template <typename T>
void release_later(T&& value) noexcept {
  static_assert(!std::is_lvalue_reference<T>::value, "release_later takes its argument by std::move");
  detail::Held<T>* held = new (std::nothrow) detail::Held<T>(std::move(value));
  if (held != nullptr) detail::release_garbage(std::unique_ptr<detail::Garbage>(held));
}

}  // namespace cpu
}  // namespace td
