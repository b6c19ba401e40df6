#include "wal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace ptx::emulator {
namespace {

constexpr size_t kFrameHeader = 8;
// A length beyond this is garbage, not a record (the largest OTLP body is far smaller).
constexpr uint32_t kMaxRecord = uint32_t{1} << 30;

void PutU32(char* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
uint32_t GetU32(const char* in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(in[i])} << (8 * i);
  return v;
}

uint32_t FrameCrc(const char* length_bytes, std::string_view payload) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(length_bytes), 4);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(payload.data()),
              static_cast<uInt>(payload.size()));
  return static_cast<uint32_t>(crc);
}

Status Errno(const std::string& what) {
  return Status(StatusCode::kUnavailable, what + ": " + std::strerror(errno));
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write to the write-ahead log");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status ReadFile(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("open " + path);
  out->clear();
  char buffer[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Errno("read " + path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out->append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("fsync " + dir);
}

std::string FileName(const char* prefix, uint64_t number, const char* suffix) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%s%020llu%s", prefix,
                static_cast<unsigned long long>(number), suffix);
  return buffer;
}

// The number in "<prefix><20 digits><suffix>", or false.
bool ParseFileName(const std::string& name, std::string_view prefix, std::string_view suffix,
                   uint64_t* number) {
  if (name.size() != prefix.size() + 20 + suffix.size()) return false;
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  if (name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  uint64_t value = 0;
  for (size_t i = prefix.size(); i < prefix.size() + 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    value = value * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  *number = value;
  return true;
}

// Replays every frame of `data`; *good is the offset after the last good one.
Status ReplayFrames(std::string_view data, const WalApply& apply, uint64_t* records,
                    size_t* good) {
  size_t offset = 0;
  while (offset < data.size()) {
    std::string_view payload;
    size_t size = 0;
    Status s = ParseFrame(data.substr(offset), &payload, &size);
    if (!s.ok()) {
      *good = offset;
      return s;
    }
    Status applied = apply(payload);
    if (!applied.ok()) {
      *good = offset;
      // kAborted tells a record that does not apply from a torn frame.
      return Status(StatusCode::kAborted, "record does not apply: " + applied.message());
    }
    ++*records;
    offset += size;
  }
  *good = offset;
  return Status::Ok();
}

}  // namespace

const char* FsyncPolicyName(FsyncPolicy policy) {
  switch (policy) {
    case FsyncPolicy::kAlways:
      return "always";
    case FsyncPolicy::kInterval:
      return "interval";
    case FsyncPolicy::kNever:
      return "never";
  }
  return "always";
}

bool ParseFsyncPolicy(std::string_view text, FsyncPolicy* out) {
  for (FsyncPolicy p : {FsyncPolicy::kAlways, FsyncPolicy::kInterval, FsyncPolicy::kNever}) {
    if (text == FsyncPolicyName(p)) {
      *out = p;
      return true;
    }
  }
  return false;
}

std::string FrameRecord(std::string_view payload) {
  std::string out(kFrameHeader + payload.size(), '\0');
  PutU32(out.data(), static_cast<uint32_t>(payload.size()));
  PutU32(out.data() + 4, FrameCrc(out.data(), payload));
  std::memcpy(out.data() + kFrameHeader, payload.data(), payload.size());
  return out;
}

Status ParseFrame(std::string_view data, std::string_view* payload, size_t* frame_size) {
  if (data.size() < kFrameHeader) {
    return Status(StatusCode::kOutOfRange, "truncated frame header");
  }
  uint32_t length = GetU32(data.data());
  if (length > kMaxRecord) return Status(StatusCode::kDataLoss, "impossible record length");
  if (data.size() - kFrameHeader < length) {
    return Status(StatusCode::kOutOfRange, "truncated record");
  }
  std::string_view body = data.substr(kFrameHeader, length);
  if (FrameCrc(data.data(), body) != GetU32(data.data() + 4)) {
    return Status(StatusCode::kDataLoss, "CRC mismatch");
  }
  *payload = body;
  *frame_size = kFrameHeader + length;
  return Status::Ok();
}

Result<std::unique_ptr<Wal>> Wal::Open(WalOptions options, const WalApply& apply,
                                       WalRecovery* recovery) {
  if (options.dir.empty()) return InvalidArgumentError("--data-dir: empty path");
  if (::mkdir(options.dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Errno("--data-dir: cannot create " + options.dir);
  }
  std::unique_ptr<Wal> wal(new Wal(std::move(options)));
  const std::string lock_path = wal->options_.dir + "/LOCK";
  wal->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (wal->lock_fd_ < 0) return Errno("--data-dir: cannot open " + lock_path);
  if (::flock(wal->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    std::string holder;
    if (ReadFile(lock_path, &holder).ok()) {
      holder.erase(std::remove(holder.begin(), holder.end(), '\n'), holder.end());
    }
    return Status(StatusCode::kFailedPrecondition,
                  "--data-dir " + wal->options_.dir +
                      " is locked by another ptx-emulator" +
                      (holder.empty() ? std::string() : " (pid " + holder + ")") +
                      "; stop it or choose another directory");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(wal->lock_fd_, 0) != 0 || ::pwrite(wal->lock_fd_, pid.data(), pid.size(), 0) < 0) {
    return Errno("--data-dir: cannot write " + lock_path);
  }
  WalRecovery local;
  Status s = wal->Recover(apply, recovery ? recovery : &local);
  if (!s.ok()) return s;
  if (wal->options_.fsync == FsyncPolicy::kInterval) {
    wal->sync_thread_ = std::thread([w = wal.get()] { w->SyncLoop(); });
  }
  return wal;
}

Status Wal::Recover(const WalApply& apply, WalRecovery* recovery) {
  std::vector<uint64_t> segments;
  std::vector<uint64_t> snapshots;
  DIR* dir = ::opendir(options_.dir.c_str());
  if (dir == nullptr) return Errno("--data-dir: cannot list " + options_.dir);
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    uint64_t number = 0;
    if (ParseFileName(name, "wal-", ".log", &number)) segments.push_back(number);
    if (ParseFileName(name, "snapshot-", ".snap", &number)) snapshots.push_back(number);
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) {
      ::unlink((options_.dir + "/" + name).c_str());  // an unfinished snapshot
    }
  }
  ::closedir(dir);
  std::sort(segments.begin(), segments.end());
  std::sort(snapshots.begin(), snapshots.end());

  uint64_t first_segment = 0;
  if (!snapshots.empty()) {
    first_segment = snapshots.back();
    const std::string path = options_.dir + "/" + FileName("snapshot-", first_segment, ".snap");
    std::string data;
    Status s = ReadFile(path, &data);
    if (!s.ok()) return s;
    size_t good = 0;
    s = ReplayFrames(data, apply, &recovery->snapshot_records, &good);
    if (!s.ok()) {
      return Status(StatusCode::kDataLoss, path + ": " + s.message() + " at offset " +
                                               std::to_string(good));
    }
  }
  uint64_t last = first_segment;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string path = options_.dir + "/" + FileName("wal-", segments[i], ".log");
    if (segments[i] < first_segment) continue;  // covered by the snapshot; deleted below
    last = segments[i];
    std::string data;
    Status s = ReadFile(path, &data);
    if (!s.ok()) return s;
    size_t good = 0;
    s = ReplayFrames(data, apply, &recovery->segment_records, &good);
    if (s.ok()) continue;
    bool tail = i + 1 == segments.size();
    if (!tail || s.code() == StatusCode::kAborted) {
      return Status(StatusCode::kDataLoss, path + ": " + s.message() + " at offset " +
                                               std::to_string(good));
    }
    // A crash mid-write: everything before the torn frame was acknowledged, nothing after.
    if (::truncate(path.c_str(), static_cast<off_t>(good)) != 0) return Errno("truncate " + path);
    recovery->truncated_bytes += data.size() - good;
  }
  for (uint64_t number : segments) {
    if (number < first_segment) {
      ::unlink((options_.dir + "/" + FileName("wal-", number, ".log")).c_str());
    }
  }
  for (size_t i = 0; i + 1 < snapshots.size(); ++i) {
    ::unlink((options_.dir + "/" + FileName("snapshot-", snapshots[i], ".snap")).c_str());
  }
  std::lock_guard<std::mutex> lock(mu_);
  return OpenSegment(std::max(last + 1, first_segment));
}

Status Wal::OpenSegment(uint64_t number) {
  const std::string path = options_.dir + "/" + FileName("wal-", number, ".log");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("open " + path);
  Status s = SyncDir(options_.dir);
  if (!s.ok()) {
    ::close(fd);
    return s;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  segment_ = number;
  segment_size_ = 0;
  return Status::Ok();
}

Wal::~Wal() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (sync_thread_.joinable()) sync_thread_.join();
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !busy_; });
  if (fd_ >= 0) {
    if (error_.ok() && !pending_.empty()) (void)WriteAll(fd_, pending_);
    ::fdatasync(fd_);
    ::close(fd_);
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

uint64_t Wal::Append(std::string_view payload) {
  std::string frame = FrameRecord(payload);
  std::lock_guard<std::mutex> lock(mu_);
  pending_ += frame;
  segment_size_ += frame.size();
  return ++appended_;
}

Status Wal::Commit(uint64_t ticket) {
  std::unique_lock<std::mutex> lock(mu_);
  while (written_ < ticket) {
    if (!error_.ok()) return error_;
    if (busy_) {
      cv_.wait(lock);
      continue;
    }
    // Leader: write everything pending (later callers' records too) with one write and one
    // fdatasync; followers wait on cv_ and find their ticket covered.
    busy_ = true;
    std::string batch;
    batch.swap(pending_);
    uint64_t upto = appended_;
    int fd = fd_;
    lock.unlock();
    Status s = WriteAll(fd, batch);
    if (s.ok() && options_.fsync == FsyncPolicy::kAlways && ::fdatasync(fd) != 0) {
      s = Errno("fdatasync the write-ahead log");
    }
    lock.lock();
    busy_ = false;
    if (s.ok()) {
      written_ = upto;
    } else {
      error_ = s;
    }
    cv_.notify_all();
  }
  return error_.ok() ? Status::Ok() : error_;
}

void Wal::SyncLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, options_.fsync_interval);
    if (stopping_ || !error_.ok() || fd_ < 0) continue;
    // A duplicate keeps the file open even if Rotate closes fd_ meanwhile, and writers are not
    // held up by this sync: under kInterval they never wait for one.
    int fd = ::dup(fd_);
    if (fd < 0) continue;
    lock.unlock();
    ::fdatasync(fd);
    ::close(fd);
    lock.lock();
  }
}

bool Wal::SegmentFull() const {
  std::lock_guard<std::mutex> lock(mu_);
  return segment_size_ > options_.segment_bytes;
}

Result<uint64_t> Wal::Rotate() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !busy_; });
  if (!error_.ok()) return error_;
  Status s = WriteAll(fd_, pending_);
  if (s.ok() && options_.fsync != FsyncPolicy::kNever && ::fdatasync(fd_) != 0) {
    s = Errno("fdatasync the write-ahead log");
  }
  if (s.ok()) s = OpenSegment(segment_ + 1);
  if (!s.ok()) {
    error_ = s;
    return s;
  }
  pending_.clear();
  written_ = appended_;
  cv_.notify_all();
  return segment_;
}

Status Wal::WriteSnapshot(uint64_t segment, const std::function<void(const Emit&)>& produce) {
  const std::string final_path = options_.dir + "/" + FileName("snapshot-", segment, ".snap");
  const std::string tmp_path = final_path + ".tmp";
  int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("open " + tmp_path);
  std::string buffer;
  Status s;
  produce([&](std::string_view payload) {
    if (!s.ok()) return;
    buffer += FrameRecord(payload);
    if (buffer.size() >= (size_t{1} << 20)) {
      s = WriteAll(fd, buffer);
      buffer.clear();
    }
  });
  if (s.ok()) s = WriteAll(fd, buffer);
  if (s.ok() && ::fsync(fd) != 0) s = Errno("fsync " + tmp_path);
  ::close(fd);
  if (s.ok() && ::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
    s = Errno("rename " + tmp_path);
  }
  if (s.ok()) s = SyncDir(options_.dir);
  if (!s.ok()) {
    ::unlink(tmp_path.c_str());
    return s;
  }
  // The snapshot now stands for everything before `segment`.
  DIR* dir = ::opendir(options_.dir.c_str());
  if (dir == nullptr) return Status::Ok();
  std::vector<std::string> stale;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    uint64_t number = 0;
    if ((ParseFileName(name, "wal-", ".log", &number) ||
         ParseFileName(name, "snapshot-", ".snap", &number)) &&
        number < segment) {
      stale.push_back(name);
    }
  }
  ::closedir(dir);
  for (const std::string& name : stale) ::unlink((options_.dir + "/" + name).c_str());
  return Status::Ok();
}

}  // namespace ptx::emulator
