// The host Device: aligned host memory and steady_clock marks.
#include "device.h"

#include "error.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace pipert {
namespace {

class HostDevice final : public Device {
public:
  std::string name() const override { return "cpu"; }
  void *allocate(size_t bytes) override {
    size_t rounded = (bytes + 255) / 256 * 256;
    void *p = std::aligned_alloc(256, rounded ? rounded : 256);
    if (!p)
      throw RuntimeError("out of host memory allocating " +
                         std::to_string(bytes) + " bytes");
    std::memset(p, 0, rounded);
    return p;
  }
  void release(void *p) override { std::free(p); }
  void upload(void *dst, const void *src, size_t bytes) override {
    std::memcpy(dst, src, bytes);
  }
  void download(void *dst, const void *src, size_t bytes) override {
    std::memcpy(dst, src, bytes);
  }
  void synchronize() override {}
  int mark() override {
    marks_.push_back(std::chrono::steady_clock::now());
    return static_cast<int>(marks_.size()) - 1;
  }
  double elapsedUs(int from, int to) override {
    return std::chrono::duration<double, std::micro>(marks_[to] - marks_[from])
        .count();
  }
  void clearMarks() override { marks_.clear(); }

private:
  std::vector<std::chrono::steady_clock::time_point> marks_;
};

} // namespace

std::unique_ptr<Device> makeHostDevice() {
  return std::make_unique<HostDevice>();
}

} // namespace pipert
