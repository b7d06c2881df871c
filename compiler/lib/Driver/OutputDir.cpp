//===- OutputDir.cpp - Writing -o DIR all at once or not at all -----------===//
#include "OutputDir.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

namespace pipe::driver {
namespace {

/// Removes the temporary directory on every path out of writeOutputDir but
/// the one that renamed it into place.
struct TempDir {
  llvm::SmallString<256> path;
  ~TempDir() {
    if (!path.empty())
      (void)fs::remove_directories(path);
  }
};

bool fail(llvm::raw_ostream &errs, const llvm::Twine &what,
          std::error_code ec) {
  errs << "error: " << what << ": " << ec.message() << "\n";
  return false;
}

bool writeFile(llvm::StringRef file, const Output &output,
               llvm::raw_ostream &errs) {
  std::error_code ec;
  llvm::raw_fd_ostream os(file, ec, fs::OF_Text);
  if (!ec) {
    os.SetBufferSize(kOutputBufferBytes);
    output.writeTo(os);
    os.close();
    ec = os.error();
  }
  return ec ? fail(errs, "cannot write '" + file + "'", ec) : true;
}

} // namespace

bool writeOutputDir(llvm::ArrayRef<Output> outputs, llvm::StringRef dir,
                    llvm::raw_ostream &errs) {
  llvm::SmallString<256> target(dir);
  if (std::error_code ec = fs::make_absolute(target))
    return fail(errs, "cannot resolve '" + dir + "'", ec);
  path::remove_dots(target, /*remove_dot_dot=*/true);
  bool exists = fs::exists(target);
  if (exists && !fs::is_directory(target))
    return fail(errs, "cannot write into '" + dir + "'",
                std::make_error_code(std::errc::not_a_directory));
  // Whatever stands where an output goes must be a file we may replace.
  for (const Output &output : outputs) {
    llvm::SmallString<256> file(target);
    path::append(file, output.fileName);
    if (fs::exists(file) && !fs::is_regular_file(file))
      return fail(errs, "cannot write '" + file + "'",
                  std::make_error_code(std::errc::is_a_directory));
  }
  llvm::StringRef parent = path::parent_path(target);
  if (std::error_code ec = fs::create_directories(parent))
    return fail(errs, "cannot create directory '" + parent + "'", ec);

  // Beside DIR, so that the renames stay on one file system.
  TempDir temp;
  llvm::SmallString<256> model(parent);
  path::append(model, "." + path::filename(target) + ".pipec-%%%%%%");
  for (int tries = 0;; ++tries) {
    llvm::SmallString<256> candidate;
    fs::createUniquePath(model, candidate, /*MakeAbsolute=*/false);
    std::error_code ec =
        fs::create_directory(candidate, /*IgnoreExisting=*/false);
    if (!ec) {
      temp.path = candidate;
      break;
    }
    if (ec != std::errc::file_exists || tries == 100)
      return fail(errs, "cannot create a directory beside '" + dir + "'", ec);
  }
  for (const Output &output : outputs) {
    llvm::SmallString<256> file(temp.path);
    path::append(file, output.fileName);
    if (!writeFile(file, output, errs))
      return false;
  }

  if (!exists) {
    if (std::error_code ec = fs::rename(temp.path, target))
      return fail(errs, "cannot create '" + dir + "'", ec);
    temp.path.clear();
    return true;
  }
  // DIR exists (perhaps with a build folder in it): move file by file; each
  // rename replaces its file whole.
  for (const Output &output : outputs) {
    llvm::SmallString<256> from(temp.path), to(target);
    path::append(from, output.fileName);
    path::append(to, output.fileName);
    if (std::error_code ec = fs::rename(from, to))
      return fail(errs, "cannot write '" + to + "'", ec);
  }
  return true;
}

} // namespace pipe::driver
