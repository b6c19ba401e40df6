#include "persistence.h"

#include <iostream>
#include <utility>
#include <vector>

namespace ptx::emulator {

Result<std::unique_ptr<Persistence>> Persistence::Open(PersistenceOptions options, Store* store,
                                                       SlsStore* sls_store) {
  std::unique_ptr<Persistence> p(new Persistence(std::move(options), store, sls_store));
  auto wal = Wal::Open(
      p->options_.wal,
      [store, sls_store](std::string_view payload) {
        return ApplyJournalRecord(payload, store, sls_store);
      },
      &p->recovery_);
  if (!wal.ok()) return wal.status();
  p->wal_ = std::move(wal).value();
  store->set_journal(p.get());
  sls_store->set_journal(p.get());
  p->compactor_ = std::thread([raw = p.get()] { raw->CompactLoop(); });
  return p;
}

Persistence::~Persistence() {
  store_->set_journal(nullptr);
  sls_store_->set_journal(nullptr);
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (compactor_.joinable()) compactor_.join();
  wal_.reset();
}

uint64_t Persistence::Record(std::string_view payload) { return wal_->Append(payload); }

Status Persistence::Commit(uint64_t ticket) {
  Status s = wal_->Commit(ticket);
  if (!s.ok()) {
    if (!reported_error_.exchange(true)) {
      std::cerr << "ptx-emulator: the write-ahead log failed, nothing more is durable: "
                << s.message() << std::endl;
    }
    return Status(StatusCode::kUnavailable, "not persisted: " + s.message());
  }
  if (wal_->SegmentFull()) {
    std::lock_guard<std::mutex> lock(wake_mu_);
    if (!compact_requested_) {
      compact_requested_ = true;
      wake_.notify_all();
    }
  }
  return Status::Ok();
}

void Persistence::CompactLoop() {
  std::unique_lock<std::mutex> lock(wake_mu_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || compact_requested_; });
    if (stopping_) return;
    lock.unlock();
    Status s = Compact();
    if (!s.ok()) std::cerr << "ptx-emulator: compaction failed: " << s.message() << std::endl;
    lock.lock();
    compact_requested_ = false;
  }
}

Status Persistence::Compact() {
  std::lock_guard<std::mutex> compact_lock(compact_mu_);
  // Both stores' locks are held while the log is cut, so the dumps hold exactly the changes
  // recorded before the new segment. Lock order: Store, SlsStore, Wal (as in every writer).
  std::vector<SlsProjectDump> sls;
  Result<uint64_t> cut = Status(StatusCode::kInternal, "not cut");
  StoreDump dump = store_->Dump([&] { sls = sls_store_->Dump([&] { cut = wal_->Rotate(); }); });
  if (!cut.ok()) return cut.status();
  const size_t batch = options_.snapshot_batch;
  Status s = wal_->WriteSnapshot(*cut, [&](const Wal::Emit& emit) {
    for (const SlsProjectDump& project : sls) {
      emit(EncodeSlsCreateProjectRecord(project.info));
      for (const SlsLogStoreDump& logstore : project.logstores) {
        emit(EncodeSlsCreateLogStoreRecord(project.info.name, logstore.info));
        for (const StoredLogGroupPtr& group : logstore.groups) {
          emit(EncodeSlsGroupRecord(project.info.name, logstore.info.name, *group));
        }
      }
    }
    auto chunks = [&](const auto& items, auto encode) {
      using Item = typename std::decay_t<decltype(items)>::value_type::element_type;
      std::vector<const Item*> chunk;
      for (const auto& item : items) {
        chunk.push_back(item.get());
        if (chunk.size() == batch) {
          emit(encode(chunk));
          chunk.clear();
        }
      }
      if (!chunk.empty()) emit(encode(chunk));
    };
    chunks(dump.spans, EncodeSpansRecord);
    chunks(dump.logs, EncodeLogsRecord);
    chunks(dump.points, EncodePointsRecord);
  });
  if (s.ok()) compactions_.fetch_add(1);
  return s;
}

}  // namespace ptx::emulator
