// A read-only, shared memory map of a whole file: data files are read in
// windows from the map, so a 3 GB corpus costs page cache (shared by every
// process on the node), not a private copy per process.
#pragma once

#include <cstddef>
#include <string>

namespace pipert {

class MappedFile {
public:
  /// Maps `path`. Throws RuntimeError "<path>: <what>" when it cannot be
  /// opened, is a directory or not a regular file, or cannot be mapped.
  explicit MappedFile(const std::string &path);
  ~MappedFile();
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;

  const unsigned char *data() const { return data_; }
  size_t size() const { return size_; }

private:
  const unsigned char *data_ = nullptr;
  size_t size_ = 0;
};

} // namespace pipert
