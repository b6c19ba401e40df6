#include "sls_store.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "journal.h"
#include "ptx/base/hex.h"

namespace ptx::emulator {

std::string EncodeCursor(uint64_t sequence) { return Base64Encode(std::to_string(sequence)); }

std::optional<uint64_t> DecodeCursor(std::string_view cursor) {
  std::string text;
  if (cursor.empty() || cursor.size() > 32 || !Base64Decode(cursor, &text)) return std::nullopt;
  if (text.empty() || text.size() > 20) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

namespace {

size_t GroupBytes(const encoding::SlsLogGroup& group) {
  size_t bytes = group.topic.size() + group.source.size();
  for (const auto& [key, value] : group.tags) bytes += key.size() + value.size();
  for (const encoding::SlsLog& log : group.logs) {
    for (const encoding::SlsLogContent& content : log.contents) {
      bytes += content.key.size() + content.value.size();
    }
  }
  return bytes;
}

}  // namespace

void SlsStore::set_journal(Journal* journal) {
  std::lock_guard<std::mutex> lock(mu_);
  journal_ = journal;
}

uint64_t SlsStore::Record(const std::string& payload) {
  return journal_ ? journal_->Record(payload) : 0;
}

void SlsStore::Commit(uint64_t ticket) {
  if (ticket == 0) return;
  Journal* journal = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    journal = journal_;
  }
  if (journal && !journal->Commit(ticket).ok()) journal_failed_ = true;
}

SlsOutcome SlsStore::CreateProject(SlsProjectInfo info) {
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (projects_.count(info.name)) return SlsOutcome::kProjectAlreadyExist;
    if (journal_) ticket = Record(EncodeSlsCreateProjectRecord(info));
    std::string name = info.name;
    projects_[name].info = std::move(info);
  }
  Commit(ticket);
  return SlsOutcome::kOk;
}

std::optional<SlsProjectInfo> SlsStore::GetProject(const std::string& project) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = projects_.find(project);
  if (it == projects_.end()) return std::nullopt;
  return it->second.info;
}

SlsOutcome SlsStore::DeleteProject(const std::string& project) {
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = projects_.find(project);
    if (it == projects_.end()) return SlsOutcome::kProjectNotExist;
    if (journal_) ticket = Record(EncodeSlsDeleteProjectRecord(project));
    projects_.erase(it);
  }
  Commit(ticket);
  return SlsOutcome::kOk;
}

std::vector<std::string> SlsStore::ListProjects() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, project] : projects_) out.push_back(name);
  return out;
}

SlsOutcome SlsStore::CreateLogStore(const std::string& project, SlsLogStoreInfo info) {
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = projects_.find(project);
    if (it == projects_.end()) return SlsOutcome::kProjectNotExist;
    if (it->second.logstores.count(info.name)) return SlsOutcome::kLogStoreAlreadyExist;
    if (journal_) ticket = Record(EncodeSlsCreateLogStoreRecord(project, info));
    std::string name = info.name;
    it->second.logstores[name].info = std::move(info);
  }
  Commit(ticket);
  return SlsOutcome::kOk;
}

const SlsStore::LogStore* SlsStore::Find(const std::string& project, const std::string& logstore,
                                         SlsOutcome* outcome) const {
  auto it = projects_.find(project);
  if (it == projects_.end()) {
    *outcome = SlsOutcome::kProjectNotExist;
    return nullptr;
  }
  auto ls = it->second.logstores.find(logstore);
  if (ls == it->second.logstores.end()) {
    *outcome = SlsOutcome::kLogStoreNotExist;
    return nullptr;
  }
  *outcome = SlsOutcome::kOk;
  return &ls->second;
}

SlsOutcome SlsStore::GetLogStore(const std::string& project, const std::string& logstore,
                                 SlsLogStoreInfo* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  SlsOutcome outcome;
  const LogStore* store = Find(project, logstore, &outcome);
  if (store && out) *out = store->info;
  return outcome;
}

SlsOutcome SlsStore::DeleteLogStore(const std::string& project, const std::string& logstore) {
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = projects_.find(project);
    if (it == projects_.end()) return SlsOutcome::kProjectNotExist;
    auto ls = it->second.logstores.find(logstore);
    if (ls == it->second.logstores.end()) return SlsOutcome::kLogStoreNotExist;
    if (journal_) ticket = Record(EncodeSlsDeleteLogStoreRecord(project, logstore));
    it->second.logstores.erase(ls);
  }
  Commit(ticket);
  return SlsOutcome::kOk;
}

SlsOutcome SlsStore::ListLogStores(const std::string& project,
                                   std::vector<std::string>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = projects_.find(project);
  if (it == projects_.end()) return SlsOutcome::kProjectNotExist;
  out->clear();
  for (const auto& [name, store] : it->second.logstores) out->push_back(name);
  return SlsOutcome::kOk;
}

uint64_t SlsStore::Append(const std::string& project, const std::string& logstore,
                          encoding::SlsLogGroup group, int64_t received_unix_s) {
  uint64_t ticket = 0;
  uint64_t sequence = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (journal_) {
      ticket = Record(EncodeSlsAppendRecord(project, logstore, group, received_unix_s));
    }
    auto [project_it, new_project] = projects_.try_emplace(project);
    if (new_project) {
      project_it->second.info.name = project;
      project_it->second.info.create_time = received_unix_s;
    }
    auto [store_it, new_store] = project_it->second.logstores.try_emplace(logstore);
    LogStore& store = store_it->second;
    if (new_store) {
      store.info.name = logstore;
      store.info.create_time = received_unix_s;
    }
    auto stored = std::make_shared<StoredLogGroup>();
    stored->sequence = store.begin + store.groups.size();
    // Kept non-decreasing (callers race to the lock, clocks step back) so CursorAt can bisect.
    stored->received_unix_s =
        store.groups.empty() ? received_unix_s
                             : std::max(received_unix_s, store.groups.back()->received_unix_s);
    stored->group = std::move(group);
    stored->bytes = GroupBytes(stored->group);
    store.logs += stored->group.logs.size();
    store.bytes += stored->bytes;
    sequence = stored->sequence;
    store.groups.push_back(std::move(stored));
    Evict(store);
  }
  Commit(ticket);
  return sequence;
}

SlsOutcome SlsStore::RestoreGroup(const std::string& project, const std::string& logstore,
                                  uint64_t sequence, int64_t received_unix_s,
                                  encoding::SlsLogGroup group) {
  std::lock_guard<std::mutex> lock(mu_);
  SlsOutcome outcome;
  LogStore* store = const_cast<LogStore*>(Find(project, logstore, &outcome));
  if (!store) return outcome;
  if (store->groups.empty()) store->begin = sequence;
  auto stored = std::make_shared<StoredLogGroup>();
  stored->sequence = store->begin + store->groups.size();
  stored->received_unix_s = received_unix_s;
  stored->group = std::move(group);
  stored->bytes = GroupBytes(stored->group);
  store->logs += stored->group.logs.size();
  store->bytes += stored->bytes;
  store->groups.push_back(std::move(stored));
  Evict(*store);
  return SlsOutcome::kOk;
}

std::vector<SlsProjectDump> SlsStore::Dump(const std::function<void()>& under_lock) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SlsProjectDump> out;
  for (const auto& [name, project] : projects_) {
    SlsProjectDump& p = out.emplace_back();
    p.info = project.info;
    for (const auto& [ls_name, store] : project.logstores) {
      SlsLogStoreDump& ls = p.logstores.emplace_back();
      ls.info = store.info;
      ls.groups.assign(store.groups.begin(), store.groups.end());
    }
  }
  if (under_lock) under_lock();
  return out;
}

void SlsStore::Evict(LogStore& store) {
  while ((store.logs > options_.max_logs_per_logstore ||
          store.bytes > options_.max_bytes_per_logstore) &&
         store.groups.size() > 1) {
    size_t logs = store.groups.front()->group.logs.size();
    size_t bytes = store.groups.front()->bytes;
    store.groups.pop_front();
    ++store.begin;
    store.logs -= logs;
    store.bytes -= bytes;
    evicted_bytes_ += bytes;
    ++evicted_log_groups_;
    evicted_logs_ += logs;
  }
}

SlsOutcome SlsStore::Snapshot(const std::string& project, const std::string& logstore,
                              std::vector<StoredLogGroupPtr>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  SlsOutcome outcome;
  const LogStore* store = Find(project, logstore, &outcome);
  if (store) out->assign(store->groups.begin(), store->groups.end());
  return outcome;
}

SlsOutcome SlsStore::Bounds(const std::string& project, const std::string& logstore,
                            uint64_t* begin, uint64_t* end) const {
  std::lock_guard<std::mutex> lock(mu_);
  SlsOutcome outcome;
  const LogStore* store = Find(project, logstore, &outcome);
  if (store) {
    *begin = store->begin;
    *end = store->begin + store->groups.size();
  }
  return outcome;
}

SlsOutcome SlsStore::CursorAt(const std::string& project, const std::string& logstore,
                              int64_t unix_s, uint64_t* sequence) const {
  std::lock_guard<std::mutex> lock(mu_);
  SlsOutcome outcome;
  const LogStore* store = Find(project, logstore, &outcome);
  if (!store) return outcome;
  auto it = std::lower_bound(
      store->groups.begin(), store->groups.end(), unix_s,
      [](const StoredLogGroupPtr& group, int64_t t) { return group->received_unix_s < t; });
  *sequence = store->begin + static_cast<uint64_t>(it - store->groups.begin());
  return outcome;
}

SlsOutcome SlsStore::Pull(const std::string& project, const std::string& logstore, uint64_t from,
                          size_t count, std::optional<uint64_t> end,
                          std::vector<StoredLogGroupPtr>* out, uint64_t* next) const {
  std::lock_guard<std::mutex> lock(mu_);
  SlsOutcome outcome;
  const LogStore* store = Find(project, logstore, &outcome);
  if (!store) return outcome;
  const uint64_t store_end = store->begin + store->groups.size();
  if (from > store_end) return SlsOutcome::kInvalidCursor;
  uint64_t stop = store_end;
  if (end && *end < stop) stop = *end;
  uint64_t position = std::max(from, store->begin);
  out->clear();
  while (position < stop && out->size() < count) {
    out->push_back(store->groups[position - store->begin]);
    ++position;
  }
  *next = std::max(position, from);
  return SlsOutcome::kOk;
}

SlsStoreCounts SlsStore::Counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  SlsStoreCounts counts;
  counts.projects = projects_.size();
  for (const auto& [name, project] : projects_) {
    counts.logstores += project.logstores.size();
    for (const auto& [ls_name, store] : project.logstores) {
      counts.log_groups += store.groups.size();
      counts.logs += store.logs;
      counts.bytes += store.bytes;
    }
  }
  counts.evicted_log_groups = evicted_log_groups_;
  counts.evicted_logs = evicted_logs_;
  counts.evicted_bytes = evicted_bytes_;
  return counts;
}

void SlsStore::Clear() {
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (journal_) ticket = Record(EncodeSlsClearRecord());
    projects_.clear();
    evicted_log_groups_ = 0;
    evicted_logs_ = 0;
    evicted_bytes_ = 0;
  }
  Commit(ticket);
}

}  // namespace ptx::emulator
