#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "util/error.hpp"

namespace achrome {

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------------------------
// The registry of live temporaries. A signal handler may only use async-signal-safe calls, so it
// cannot walk a std::vector another thread is resizing or free memory: the registry is a fixed table
// of path buffers whose state is an atomic, and the handler only reads live slots and calls unlink,
// rmdir and the directory system calls.

constexpr std::size_t kSlots = 256;
constexpr std::size_t kPathBytes = 4096;

enum SlotState : int { kFree = 0, kFilling = 1, kLive = 2 };

struct Slot {
  std::atomic<int> state{kFree};
  bool folder = false;
  char path[kPathBytes];
};

Slot g_slots[kSlots];

int register_temporary(const fs::path& path, bool folder) {
  std::error_code ec;
  const std::string absolute = fs::absolute(path, ec).string();
  if (ec || absolute.size() >= kPathBytes) return -1;
  for (std::size_t i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (!g_slots[i].state.compare_exchange_strong(expected, kFilling)) continue;
    std::memcpy(g_slots[i].path, absolute.c_str(), absolute.size() + 1);
    g_slots[i].folder = folder;
    g_slots[i].state.store(kLive);
    return static_cast<int>(i);
  }
  return -1;  // table full: this temporary is still removed by its owner, only not on a signal
}

void unregister_temporary(int& slot) {
  if (slot >= 0) g_slots[slot].state.store(kFree);
  slot = -1;
}

// A temporary folder holds files only (what the writers put there, and their own temporaries), so one
// level is enough. Entries are removed while the folder is read, which may make getdents skip some:
// passes repeat until one removes nothing.
void remove_flat_folder(const char* path) {
  struct LinuxDirent64 {
    ino64_t d_ino;
    off64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[1];
  };
  const int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    alignas(8) char buffer[8192];
    for (int pass = 0; pass < 16; ++pass) {
      bool removed = false;
      ::lseek(fd, 0, SEEK_SET);
      for (;;) {
        const long n = ::syscall(SYS_getdents64, fd, buffer, sizeof buffer);
        if (n <= 0) break;
        for (long offset = 0; offset < n;) {
          const auto* entry = reinterpret_cast<const LinuxDirent64*>(buffer + offset);
          offset += entry->d_reclen;
          const char* name = entry->d_name;
          if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
          if (::unlinkat(fd, name, 0) == 0 || ::unlinkat(fd, name, AT_REMOVEDIR) == 0) removed = true;
        }
      }
      if (!removed) break;
    }
    ::close(fd);
  }
  ::rmdir(path);
}

std::atomic<bool> g_cleaning{false};

extern "C" void remove_temporaries_and_reraise(int signal_number) {
  // Another thread may take a second signal while the first cleans; the first re-raises for both.
  if (g_cleaning.exchange(true)) return;
  // Files first: a temporary folder's own temporaries are files inside it.
  for (bool folders : {false, true})
    for (auto& slot : g_slots)
      if (slot.state.load() == kLive && slot.folder == folders) {
        if (folders) remove_flat_folder(slot.path);
        else ::unlink(slot.path);
      }
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  ::sigaction(signal_number, &default_action, nullptr);
  // Blocked while this handler runs; delivered with the default action when it returns.
  ::raise(signal_number);
}

bool all_digits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// `.NAME.tmp<pid>` / `.NAME.old<pid>`: the pid, or 0 if `name` is not a temporary of `final_name`.
long temporary_pid(const std::string& name, const std::string& final_name) {
  const std::string prefix = "." + final_name + ".";
  if (name.size() <= prefix.size() + 3 || name.compare(0, prefix.size(), prefix) != 0) return 0;
  const std::string marker = name.substr(prefix.size(), 3);
  if (marker != "tmp" && marker != "old") return 0;
  const std::string digits = name.substr(prefix.size() + 3);
  if (digits.size() > 9 || !all_digits(digits)) return 0;
  return std::stol(digits);
}

// `.ANYTHING.tmp<digits>` or `.ANYTHING.old<digits>`: a temporary of this scheme, for some name.
bool is_temporary_name(const std::string& name) {
  if (name.size() < 2 || name[0] != '.') return false;
  for (const char* marker : {".tmp", ".old"}) {
    const auto at = name.rfind(marker);
    if (at == std::string::npos || at == 0) continue;
    if (all_digits(name.substr(at + 4))) return true;
  }
  return false;
}

bool process_is_alive(long pid) {
  // EPERM: it exists but belongs to someone else.
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

fs::path temporary_sibling(const fs::path& final_path, const char* marker) {
  return final_path.parent_path() / fmt::format(".{}.{}{}", final_path.filename().string(), marker, ::getpid());
}

void create_parent(const fs::path& path) {
  const fs::path parent = path.parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) fail("{}: cannot create folder: {}", parent.string(), ec.message());
}

}  // namespace

void remove_stale_temporaries(const fs::path& final_path) {
  const fs::path parent = final_path.parent_path().empty() ? fs::path(".") : final_path.parent_path();
  const std::string final_name = final_path.filename().string();
  if (final_name.empty()) return;
  std::vector<fs::path> stale;
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const long pid = temporary_pid(it->path().filename().string(), final_name);
    if (pid > 0 && pid != ::getpid() && !process_is_alive(pid)) stale.push_back(it->path());
  }
  for (const auto& path : stale) {
    std::error_code remove_ec;
    fs::remove_all(path, remove_ec);
    if (!remove_ec) spdlog::debug("{}: removed, left by an earlier run that is gone", path.string());
  }
}

void remove_temporaries_on_signals() {
  static std::atomic<bool> installed{false};
  if (installed.exchange(true)) return;
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction current {};
    if (::sigaction(signal_number, nullptr, &current) != 0) continue;
    if (current.sa_handler == SIG_IGN) continue;  // e.g. SIGHUP under nohup: keep it ignored
    struct sigaction action {};
    action.sa_handler = remove_temporaries_and_reraise;
    sigfillset(&action.sa_mask);  // no other signal interrupts the cleaning
    ::sigaction(signal_number, &action, nullptr);
  }
}

// ---------------------------------------------------------------------------------------------

AtomicFile::AtomicFile(fs::path final_path) : final_path_(std::move(final_path)) {
  create_parent(final_path_);
  remove_stale_temporaries(final_path_);
  // Hidden, same folder (so rename is atomic), unique per process.
  temp_path_ = temporary_sibling(final_path_, "tmp");
  registration_ = register_temporary(temp_path_, false);
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    stream_.reset();
    std::error_code ec;
    fs::remove(temp_path_, ec);
  }
  unregister_temporary(registration_);
}

std::ofstream& AtomicFile::stream() {
  if (!stream_) {
    stream_ = std::make_unique<std::ofstream>(temp_path_, std::ios::binary | std::ios::trunc);
    if (!*stream_) fail("{}: cannot open for writing: {}", final_path_.string(), std::strerror(errno));
  }
  return *stream_;
}

void AtomicFile::commit() {
  if (stream_) {
    stream_->flush();
    if (!*stream_) fail("{}: write failed: {}", final_path_.string(), std::strerror(errno));
    stream_->close();
  }
  std::error_code ec;
  fs::rename(temp_path_, final_path_, ec);
  if (ec) fail("{}: cannot move into place: {}", final_path_.string(), ec.message());
  committed_ = true;
  unregister_temporary(registration_);
}

void write_file_atomic(const fs::path& path, const std::string& content) {
  AtomicFile out(path);
  out.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  out.commit();
}

// ---------------------------------------------------------------------------------------------

AtomicFileSet::~AtomicFileSet() {
  for (auto& entry : entries_) {
    if (!committed_) {
      std::error_code ec;
      fs::remove(entry.temp_path, ec);
    }
    unregister_temporary(entry.registration);
  }
}

fs::path AtomicFileSet::add(const fs::path& final_path) {
  std::error_code ec;
  const auto key = fs::absolute(final_path, ec).lexically_normal();
  for (const auto& entry : entries_)
    if (fs::absolute(entry.final_path, ec).lexically_normal() == key)
      fail("{}: the same output is given twice", final_path.string());
  create_parent(final_path);
  remove_stale_temporaries(final_path);
  Entry entry{final_path, temporary_sibling(final_path, "tmp")};
  entry.registration = register_temporary(entry.temp_path, false);
  entries_.push_back(entry);
  return entries_.back().temp_path;
}

void AtomicFileSet::commit() {
  std::error_code ec;
  for (const auto& entry : entries_) {
    if (!fs::exists(entry.temp_path, ec)) fail("{}: was not written", entry.final_path.string());
    if (fs::is_directory(entry.final_path, ec)) fail("{}: is a folder", entry.final_path.string());
  }
  // The files they replace are moved aside first, so that a rename failing halfway can put every
  // old file back: the outputs are then all as before, or all new.
  struct Moved {
    fs::path old_path;
    int registration = -1;
    bool aside = false;   // the previous file is at old_path
    bool placed = false;  // the new file is at the final path
  };
  std::vector<Moved> moved(entries_.size());
  const auto undo = [&] {
    for (std::size_t k = 0; k < entries_.size(); ++k) {
      std::error_code undo_ec;
      if (moved[k].placed) fs::remove(entries_[k].final_path, undo_ec);
      if (moved[k].aside) fs::rename(moved[k].old_path, entries_[k].final_path, undo_ec);
      unregister_temporary(moved[k].registration);
    }
  };
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    auto& entry = entries_[i];
    if (fs::exists(fs::symlink_status(entry.final_path, ec))) {
      moved[i].old_path = temporary_sibling(entry.final_path, "old");
      moved[i].registration = register_temporary(moved[i].old_path, false);
      fs::rename(entry.final_path, moved[i].old_path, ec);
      if (ec) {
        const auto message = ec.message();
        undo();
        fail("{}: cannot replace: {}", entry.final_path.string(), message);
      }
      moved[i].aside = true;
    }
    fs::rename(entry.temp_path, entry.final_path, ec);
    if (ec) {
      const auto message = ec.message();
      undo();
      fail("{}: cannot move into place: {}", entry.final_path.string(), message);
    }
    moved[i].placed = true;
  }
  committed_ = true;
  for (auto& entry : entries_) unregister_temporary(entry.registration);
  for (auto& m : moved) {
    if (m.aside) fs::remove(m.old_path, ec);
    unregister_temporary(m.registration);
  }
}

// ---------------------------------------------------------------------------------------------

AtomicFolder::AtomicFolder(fs::path final_path, std::vector<std::string> contents)
    : shown_(final_path.string()), contents_(std::move(contents)) {
  std::error_code ec;
  final_path_ = fs::absolute(final_path, ec).lexically_normal();
  if (ec) fail("{}: {}", shown_, ec.message());
  if (final_path_.filename().empty()) final_path_ = final_path_.parent_path();  // "run/" is "run"
  if (final_path_ == final_path_.root_path()) fail("{}: cannot replace a file system root", shown_);
  check_replaceable();
  create_parent(final_path_);
  remove_stale_temporaries(final_path_);
  temp_path_ = temporary_sibling(final_path_, "tmp");
  fs::remove_all(temp_path_, ec);  // a leftover of a process that had our pid
  if (!fs::create_directory(temp_path_, ec) || ec)
    fail("{}: cannot create the output folder beside it ({}): {}", shown_, temp_path_.filename().string(),
         ec ? ec.message() : "it exists");
  registration_ = register_temporary(temp_path_, true);
}

AtomicFolder::~AtomicFolder() {
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(temp_path_, ec);
  }
  unregister_temporary(registration_);
}

void AtomicFolder::check_replaceable() const {
  std::error_code ec;
  const auto status = fs::status(final_path_, ec);
  if (!fs::exists(status)) return;
  if (!fs::is_directory(status)) fail("{}: exists and is not a folder", shown_);
  for (fs::directory_iterator it(final_path_, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (std::find(contents_.begin(), contents_.end(), name) == contents_.end() && !is_temporary_name(name))
      fail("{}: holds '{}', which is not one of its outputs; the folder is replaced as a whole, so remove it "
           "or choose another folder",
           shown_, name);
  }
  if (ec) fail("{}: cannot read folder: {}", shown_, ec.message());
}

void AtomicFolder::commit() {
  check_replaceable();  // it may have gained files while we worked
  std::error_code ec;
  const fs::path old = temporary_sibling(final_path_, "old");
  if (fs::exists(final_path_, ec)) {
    fs::remove_all(old, ec);
    int old_registration = register_temporary(old, true);
    fs::rename(final_path_, old, ec);
    if (ec) {
      unregister_temporary(old_registration);
      fail("{}: cannot move the previous folder aside: {}", shown_, ec.message());
    }
    fs::rename(temp_path_, final_path_, ec);
    if (ec) {
      std::error_code back;
      fs::rename(old, final_path_, back);
      unregister_temporary(old_registration);
      fail("{}: cannot move into place: {}", shown_, ec.message());
    }
    committed_ = true;
    unregister_temporary(registration_);
    fs::remove_all(old, ec);
    unregister_temporary(old_registration);
    if (ec) spdlog::warn("{}: the previous folder could not be removed: {}", old.string(), ec.message());
  } else {
    fs::rename(temp_path_, final_path_, ec);
    if (ec) fail("{}: cannot move into place: {}", shown_, ec.message());
    committed_ = true;
    unregister_temporary(registration_);
  }
}

}  // namespace achrome
