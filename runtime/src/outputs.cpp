// The run's output paths, checked and claimed before the first step.
#include "outputs.h"

#include "checkpoint.h"
#include "error.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pipert {
namespace {

[[noreturn]] void fail(const std::string &flag, const std::string &path,
                       const std::string &what) {
  throw RuntimeError(flag + " '" + path + "': " + what);
}

/// The PID a lock file names, or 0.
long lockHolder(int fd) {
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  return n > 0 ? std::strtol(buf, nullptr, 10) : 0;
}

int lockCheckpointDir(const std::string &dir) {
  const std::string flag = "--checkpoint";
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode))
      fail(flag, dir, "is not a directory");
  } else if (::mkdir(dir.c_str(), 0777) != 0) {
    fail(flag, dir,
         std::string("cannot create the directory: ") + std::strerror(errno));
  }
  std::string lock = dir + "/.pipert.lock";
  int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0)
    fail(flag, dir, std::string("cannot write: ") + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    long holder = lockHolder(fd);
    ::close(fd);
    if (e == EWOULDBLOCK)
      fail(flag, dir,
           "another run is writing this checkpoint directory" +
               (holder > 0 ? " (pid " + std::to_string(holder) + ")"
                           : std::string()));
    fail(flag, dir, std::string("cannot lock: ") + std::strerror(e));
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0)
    (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  // Probe that a checkpoint can be created here (a read-only directory
  // still lets an existing lock file open).
  std::string probe =
      checkpointPath(dir) + ".tmp." + std::to_string(::getpid());
  int p = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (p < 0) {
    int e = errno;
    ::close(fd);
    fail(flag, dir, std::string("cannot write: ") + std::strerror(e));
  }
  ::close(p);
  ::unlink(probe.c_str());
  removeStaleTemporaries(dir);
  return fd;
}

/// A file written at the end (--profile, --export, --trace) can be created or
/// replaced.
void checkOutputFile(const std::string &flag, const std::string &file) {
  struct stat st;
  bool existed = ::stat(file.c_str(), &st) == 0;
  if (existed && S_ISDIR(st.st_mode))
    fail(flag, file, "is a directory");
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0)
    fail(flag, file, std::string("cannot write: ") + std::strerror(errno));
  ::close(fd);
  if (!existed) // written at the end; a run that fails leaves no empty file
    ::unlink(file.c_str());
}

} // namespace

int removeStaleTemporaries(const std::string &dir) {
  DIR *d = ::opendir(dir.c_str());
  if (!d)
    return 0;
  std::string base = "checkpoint.pipert.tmp.";
  int removed = 0;
  while (struct dirent *e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.compare(0, base.size(), base) != 0 || name.size() == base.size())
      continue;
    char *end = nullptr;
    long pid = std::strtol(name.c_str() + base.size(), &end, 10);
    if (*end || pid <= 0)
      continue;
    // ESRCH: no such process, so no writer will ever rename this file.
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH &&
        ::unlink((dir + "/" + name).c_str()) == 0)
      ++removed;
  }
  ::closedir(d);
  return removed;
}

OutputClaim::OutputClaim(const Options &opts) {
  if (!opts.checkpointDir.empty())
    lockFd_ = lockCheckpointDir(opts.checkpointDir);
  try {
    if (!opts.profileFile.empty())
      checkOutputFile("--profile", opts.profileFile);
    if (!opts.exportFile.empty())
      checkOutputFile("--export", opts.exportFile);
    if (!opts.traceFile.empty())
      checkOutputFile("--trace", opts.traceFile);
  } catch (...) {
    if (lockFd_ >= 0)
      ::close(lockFd_);
    throw;
  }
}

OutputClaim::~OutputClaim() {
  if (lockFd_ >= 0)
    ::close(lockFd_); // releases the flock
}

} // namespace pipert
