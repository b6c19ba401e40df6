// How Store and SlsStore make their changes durable: each mutation is encoded as a journal
// record and handed to a Journal (the write-ahead log under --data-dir) under the store's
// lock, so the log holds changes in the order they were applied; the caller then commits
// without the lock, letting concurrent requests share one fsync.
//
//   uint64_t ticket = journal->Record(EncodeSlsDeleteProject("proj"));   // under the lock
//   Status durable = journal->Commit(ticket);                              // after it
//   Status s = ApplyJournalRecord(payload, &store, &sls_store);            // on recovery
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ptx/base/status.h"
#include "sls_store.h"
#include "store.h"

namespace ptx::emulator {

// Thread-safe.
class Journal {
 public:
  virtual ~Journal() = default;
  // Appends one record; called under the lock that orders the change it describes.
  virtual uint64_t Record(std::string_view payload) = 0;
  // Returns once the record of `ticket` is durable; called without store locks.
  virtual Status Commit(uint64_t ticket) = 0;
};

// Record payloads: a type byte, then varints and length-prefixed strings. OTLP items travel
// as serialized Export*ServiceRequests, one per run of records sharing an origin.
std::string EncodeSpansRecord(const std::vector<const SpanRecord*>& records);
std::string EncodeLogsRecord(const std::vector<const LogRecordEntry*>& records);
std::string EncodePointsRecord(const std::vector<const MetricPoint*>& points);
std::string EncodeStoreClearRecord();
std::string EncodeSlsCreateProjectRecord(const SlsProjectInfo& info);
std::string EncodeSlsDeleteProjectRecord(const std::string& project);
std::string EncodeSlsCreateLogStoreRecord(const std::string& project, const SlsLogStoreInfo& info);
std::string EncodeSlsDeleteLogStoreRecord(const std::string& project, const std::string& logstore);
std::string EncodeSlsAppendRecord(const std::string& project, const std::string& logstore,
                                  const encoding::SlsLogGroup& group, int64_t received_unix_s);
// A retained group with its sequence number (snapshots only: cursors must stay valid).
std::string EncodeSlsGroupRecord(const std::string& project, const std::string& logstore,
                                 const StoredLogGroup& group);
std::string EncodeSlsClearRecord();

// Re-applies one record to stores that have no journal attached. DataLoss when the payload
// does not decode.
Status ApplyJournalRecord(std::string_view payload, Store* store, SlsStore* sls_store);

}  // namespace ptx::emulator
