// Host-staged transport: device buffers moved by a host Transport through host
// copies.
#include "transport_staged.h"

#include <algorithm>
#include <vector>

namespace pipert {
namespace {

class StagedTransport final : public Transport {
public:
  StagedTransport(Device &device, std::unique_ptr<Transport> host)
      : device_(device), host_(std::move(host)) {}

  void exchange(const std::vector<Transfer> &group) override {
    staging_.resize(std::max(staging_.size(), group.size()));
    std::vector<Transfer> onHost = group;
    for (size_t i = 0; i < group.size(); ++i) {
      staging_[i].resize(static_cast<size_t>(group[i].bytes));
      onHost[i].buf = staging_[i].data();
      if (group[i].send) // download waits for the compute stream
        device_.download(staging_[i].data(), group[i].buf, staging_[i].size());
    }
    host_->exchange(onHost);
    for (size_t i = 0; i < group.size(); ++i)
      if (!group[i].send)
        device_.upload(group[i].buf, staging_[i].data(), staging_[i].size());
  }

  void allReduceSum(float *data, int64_t count) override {
    floats_.resize(static_cast<size_t>(count));
    device_.download(floats_.data(), data, floats_.size() * sizeof(float));
    host_->allReduceSum(floats_.data(), count);
    device_.upload(data, floats_.data(), floats_.size() * sizeof(float));
    device_.synchronize(); // floats_ is reused by the next call
  }

  void allReduceSumWorkers(float *data, int64_t count) override {
    floats_.resize(static_cast<size_t>(count));
    device_.download(floats_.data(), data, floats_.size() * sizeof(float));
    host_->allReduceSumWorkers(floats_.data(), count);
    device_.upload(data, floats_.data(), floats_.size() * sizeof(float));
    device_.synchronize();
  }

  double bandwidth() const override { return host_->bandwidth(); }

private:
  Device &device_;
  std::unique_ptr<Transport> host_;
  std::vector<std::vector<char>> staging_;
  std::vector<float> floats_;
};

} // namespace

std::unique_ptr<Transport>
makeStagedTransport(Device &device, std::unique_ptr<Transport> host) {
  return std::make_unique<StagedTransport>(device, std::move(host));
}

} // namespace pipert
