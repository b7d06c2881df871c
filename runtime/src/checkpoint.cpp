// Checkpoint files: serialisation, checksum, and the temp-file/fsync/rename
// dance.
#include "checkpoint.h"

#include "error.h"
#include "random.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <sys/stat.h>
#include <unistd.h>

namespace pipert {
namespace {

constexpr char kMagic[8] = {'P', 'I', 'P', 'E', 'R', 'T', 'C', 'K'};
constexpr uint32_t kVersion = 1;

struct Writer {
  std::string bytes;
  template <typename T> void put(const T &v) {
    bytes.append(reinterpret_cast<const char *>(&v), sizeof(T));
  }
  void putFloats(const std::vector<float> &v) {
    bytes.append(reinterpret_cast<const char *>(v.data()),
                 v.size() * sizeof(float));
  }
};

struct Reader {
  const std::string &path;
  const std::vector<char> &bytes;
  size_t pos = 0;
  void need(size_t n) {
    if (bytes.size() - pos < n)
      throw RuntimeError(path + ": truncated checkpoint");
  }
  template <typename T> T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, bytes.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  std::vector<float> floats(int64_t n) {
    need(static_cast<size_t>(n) * sizeof(float));
    std::vector<float> v(static_cast<size_t>(n));
    std::memcpy(v.data(), bytes.data() + pos, v.size() * sizeof(float));
    pos += v.size() * sizeof(float);
    return v;
  }
};

[[noreturn]] void ioError(const std::string &path, const std::string &what) {
  throw RuntimeError(path + ": " + what + ": " + std::strerror(errno));
}

void writeAll(int fd, const char *data, size_t n, const std::string &path) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      ioError(path, "write failed");
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
}

void pauseForTest(const char *marker) {
  if (FILE *f = std::fopen(marker, "w"))
    std::fclose(f);
  for (;;)
    ::pause();
}

} // namespace

std::string checkpointPath(const std::string &dir) {
  return dir + "/checkpoint.pipert";
}

void saveCheckpoint(const std::string &dir, const Checkpoint &ckpt) {
  if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
    ioError(dir, "cannot create checkpoint directory");
  Writer w;
  w.bytes.append(kMagic, sizeof(kMagic));
  w.put(kVersion);
  w.put(ckpt.fingerprint);
  w.put(ckpt.step);
  w.put(ckpt.samplesConsumed);
  w.put(static_cast<uint8_t>(ckpt.optimizer));
  w.put(static_cast<uint32_t>(ckpt.tensors.size()));
  for (const CheckpointTensor &t : ckpt.tensors) {
    w.put(static_cast<uint32_t>(t.name.size()));
    w.bytes += t.name;
    w.put(static_cast<int64_t>(t.param.size()));
    uint8_t states = !t.m.empty() + !t.v.empty();
    if ((!t.m.empty() && t.m.size() != t.param.size()) ||
        (!t.v.empty() && (t.v.size() != t.param.size() || t.m.empty())))
      throw RuntimeError("checkpoint: inconsistent optimizer state for " +
                         t.name);
    w.put(states);
    w.putFloats(t.param);
    w.putFloats(t.m);
    w.putFloats(t.v);
  }
  w.put(hashBytes(w.bytes.data(), w.bytes.size()));

  std::string path = checkpointPath(dir);
  std::string temp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (fd < 0)
    ioError(temp, "cannot create");
  size_t half = w.bytes.size() / 2;
  writeAll(fd, w.bytes.data(), half, temp);
  if (const char *marker = std::getenv("PIPERT_TEST_SAVE_PAUSE"))
    pauseForTest(marker);
  writeAll(fd, w.bytes.data() + half, w.bytes.size() - half, temp);
  if (::fsync(fd) != 0)
    ioError(temp, "fsync failed");
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0)
    ioError(path, "rename failed");
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd); // make the rename durable; failure here cannot damage either
                  // version
    ::close(dfd);
  }
}

Checkpoint loadCheckpoint(const std::string &dir,
                          uint64_t expectedFingerprint) {
  std::string path = checkpointPath(dir);
  // A directory opens as a stream and fails only when read, with a message
  // that names nothing ("basic_filebuf::underflow"): say what is wrong.
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
    throw RuntimeError(dir + ": is a file, not a checkpoint directory");
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw RuntimeError(path + ": is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    ioError(path, "cannot open checkpoint");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  if (bytes.size() < sizeof(kMagic) + 8 ||
      std::memcmp(bytes.data(), kMagic, 8) != 0)
    throw RuntimeError(path + ": not a pipert checkpoint");
  uint64_t stored;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  if (stored != hashBytes(bytes.data(), bytes.size() - 8))
    throw RuntimeError(path + ": checksum mismatch (corrupt checkpoint)");
  bytes.resize(bytes.size() - 8);
  Reader r{path, bytes};
  r.pos = sizeof(kMagic);
  if (uint32_t version = r.get<uint32_t>(); version != kVersion)
    throw RuntimeError(path + ": unsupported checkpoint version " +
                       std::to_string(version));
  Checkpoint c;
  c.fingerprint = r.get<uint64_t>();
  if (c.fingerprint != expectedFingerprint)
    throw RuntimeError(path +
                       ": checkpoint is of a different model (fingerprint " +
                       std::to_string(c.fingerprint) + ", this model " +
                       std::to_string(expectedFingerprint) + ")");
  c.step = r.get<int64_t>();
  c.samplesConsumed = r.get<int64_t>();
  c.optimizer = static_cast<OptimizerKind>(r.get<uint8_t>());
  uint32_t count = r.get<uint32_t>();
  for (uint32_t i = 0; i < count; ++i) {
    CheckpointTensor t;
    uint32_t len = r.get<uint32_t>();
    r.need(len);
    t.name.assign(bytes.data() + r.pos, len);
    r.pos += len;
    int64_t elements = r.get<int64_t>();
    uint8_t states = r.get<uint8_t>();
    if (elements < 0 || states > 2)
      throw RuntimeError(path + ": corrupt entry for " + t.name);
    t.param = r.floats(elements);
    if (states >= 1)
      t.m = r.floats(elements);
    if (states == 2)
      t.v = r.floats(elements);
    c.tensors.push_back(std::move(t));
  }
  if (r.pos != bytes.size())
    throw RuntimeError(path + ": trailing bytes in checkpoint");
  return c;
}

} // namespace pipert
