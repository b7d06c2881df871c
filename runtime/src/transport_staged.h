// A Transport for device memory over a host-memory Transport: downloads what is
// sent, uploads what is received (the cuda backend's fallback between processes
// sharing a GPU).
#pragma once

#include "device.h"
#include "transport.h"

#include <memory>

namespace pipert {

/// `host` moves host buffers (e.g. the MPI transport); `device` is this
/// worker's Device. Sends are downloaded after the compute stream finished
/// them; receives uploaded before the next compute.
std::unique_ptr<Transport> makeStagedTransport(Device &device,
                                               std::unique_ptr<Transport> host);

} // namespace pipert
