#include "journal.h"

#include <memory>
#include <utility>

#include "otlp_records.h"

namespace ptx::emulator {
namespace {

// Record types; the numbers are on disk, never reuse one.
enum class RecordType : uint8_t {
  kSpans = 1,
  kLogs = 2,
  kPoints = 3,
  kStoreClear = 4,
  kSlsCreateProject = 10,
  kSlsDeleteProject = 11,
  kSlsCreateLogStore = 12,
  kSlsDeleteLogStore = 13,
  kSlsAppend = 14,
  kSlsGroup = 15,
  kSlsClear = 16,
};

class Writer {
 public:
  explicit Writer(RecordType type) { out_.push_back(static_cast<char>(type)); }
  Writer& U64(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
    return *this;
  }
  Writer& I64(int64_t v) { return U64(static_cast<uint64_t>(v)); }
  Writer& Str(std::string_view s) {
    U64(s.size());
    out_.append(s.data(), s.size());
    return *this;
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U64(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return false;
      auto byte = static_cast<unsigned char>(in_.front());
      in_.remove_prefix(1);
      *v |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  bool I64(int64_t* v) {
    uint64_t u = 0;
    if (!U64(&u)) return false;
    *v = static_cast<int64_t>(u);
    return true;
  }
  bool Int(int* v) {
    int64_t i = 0;
    if (!I64(&i)) return false;
    *v = static_cast<int>(i);
    return true;
  }
  bool Bool(bool* v) {
    uint64_t u = 0;
    if (!U64(&u)) return false;
    *v = u != 0;
    return true;
  }
  bool Str(std::string_view* s) {
    uint64_t size = 0;
    if (!U64(&size) || size > in_.size()) return false;
    *s = in_.substr(0, size);
    in_.remove_prefix(size);
    return true;
  }
  bool Str(std::string* s) {
    std::string_view view;
    if (!Str(&view)) return false;
    s->assign(view);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

void PutOrigin(Writer& w, const Origin* origin) {
  Origin none;
  const Origin& o = origin ? *origin : none;
  w.U64(static_cast<uint64_t>(o.protocol)).Str(o.sls_project).Str(o.sls_instance_id);
}

bool GetOrigin(Reader& r, Origin* origin) {
  uint64_t protocol = 0;
  if (!r.U64(&protocol) || protocol >= kProtocolCount) return false;
  origin->protocol = static_cast<Protocol>(protocol);
  return r.Str(&origin->sls_project) && r.Str(&origin->sls_instance_id);
}

// Runs of records sharing an origin, each as [origin][serialized request].
template <typename Record, typename OriginOf, typename ToRequest>
std::string EncodeRuns(RecordType type, const std::vector<const Record*>& records,
                       OriginOf origin_of, ToRequest to_request) {
  Writer w(type);
  size_t start = 0;
  while (start < records.size()) {
    size_t end = start + 1;
    while (end < records.size() && origin_of(*records[end]) == origin_of(*records[start])) ++end;
    std::vector<const Record*> run(records.begin() + start, records.begin() + end);
    PutOrigin(w, origin_of(*records[start]));
    w.Str(to_request(run).SerializeAsString());
    start = end;
  }
  return w.Take();
}

template <typename Request, typename Apply>
bool DecodeRuns(Reader& r, Apply apply) {
  while (!r.done()) {
    auto origin = std::make_shared<Origin>();
    std::string_view bytes;
    if (!GetOrigin(r, origin.get()) || !r.Str(&bytes)) return false;
    auto request = NewArenaMessage<Request>(bytes.size());
    if (!request->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
    if (!apply(request, std::shared_ptr<const Origin>(std::move(origin)))) return false;
  }
  return true;
}

void PutLogStoreInfo(Writer& w, const SlsLogStoreInfo& info) {
  w.Str(info.name)
      .I64(info.ttl)
      .I64(info.shard_count)
      .U64(info.enable_tracking)
      .U64(info.append_meta)
      .U64(info.auto_split)
      .I64(info.max_split_shard)
      .Str(info.telemetry_type)
      .I64(info.create_time);
}

bool GetLogStoreInfo(Reader& r, SlsLogStoreInfo* info) {
  return r.Str(&info->name) && r.Int(&info->ttl) && r.Int(&info->shard_count) &&
         r.Bool(&info->enable_tracking) && r.Bool(&info->append_meta) &&
         r.Bool(&info->auto_split) && r.Int(&info->max_split_shard) &&
         r.Str(&info->telemetry_type) && r.I64(&info->create_time);
}

}  // namespace

std::string EncodeSpansRecord(const std::vector<const SpanRecord*>& records) {
  return EncodeRuns(
      RecordType::kSpans, records, [](const SpanRecord& r) { return r.origin.get(); },
      SpansToRequest);
}

std::string EncodeLogsRecord(const std::vector<const LogRecordEntry*>& records) {
  return EncodeRuns(
      RecordType::kLogs, records, [](const LogRecordEntry& r) { return r.origin.get(); },
      LogsToRequest);
}

std::string EncodePointsRecord(const std::vector<const MetricPoint*>& points) {
  return EncodeRuns(
      RecordType::kPoints, points, [](const MetricPoint& p) { return p.metric->origin.get(); },
      PointsToRequest);
}

std::string EncodeStoreClearRecord() { return Writer(RecordType::kStoreClear).Take(); }

std::string EncodeSlsCreateProjectRecord(const SlsProjectInfo& info) {
  return Writer(RecordType::kSlsCreateProject)
      .Str(info.name)
      .Str(info.description)
      .I64(info.create_time)
      .Take();
}

std::string EncodeSlsDeleteProjectRecord(const std::string& project) {
  return Writer(RecordType::kSlsDeleteProject).Str(project).Take();
}

std::string EncodeSlsCreateLogStoreRecord(const std::string& project,
                                          const SlsLogStoreInfo& info) {
  Writer w(RecordType::kSlsCreateLogStore);
  w.Str(project);
  PutLogStoreInfo(w, info);
  return w.Take();
}

std::string EncodeSlsDeleteLogStoreRecord(const std::string& project,
                                          const std::string& logstore) {
  return Writer(RecordType::kSlsDeleteLogStore).Str(project).Str(logstore).Take();
}

std::string EncodeSlsAppendRecord(const std::string& project, const std::string& logstore,
                                  const encoding::SlsLogGroup& group, int64_t received_unix_s) {
  return Writer(RecordType::kSlsAppend)
      .Str(project)
      .Str(logstore)
      .I64(received_unix_s)
      .Str(encoding::EncodeLogGroup(group))
      .Take();
}

std::string EncodeSlsGroupRecord(const std::string& project, const std::string& logstore,
                                 const StoredLogGroup& group) {
  return Writer(RecordType::kSlsGroup)
      .Str(project)
      .Str(logstore)
      .U64(group.sequence)
      .I64(group.received_unix_s)
      .Str(encoding::EncodeLogGroup(group.group))
      .Take();
}

std::string EncodeSlsClearRecord() { return Writer(RecordType::kSlsClear).Take(); }

Status ApplyJournalRecord(std::string_view payload, Store* store, SlsStore* sls_store) {
  auto bad = [](const std::string& why) {
    return Status(StatusCode::kDataLoss, "journal record: " + why);
  };
  if (payload.empty()) return bad("empty");
  auto type = static_cast<RecordType>(payload.front());
  Reader r(payload.substr(1));
  switch (type) {
    case RecordType::kSpans: {
      Status status;
      bool ok = DecodeRuns<collector_trace::ExportTraceServiceRequest>(
          r, [&](auto& request, std::shared_ptr<const Origin> origin) {
            SplitOutcome split;
            status = store->AddSpans(SpansFromRequest(request, std::move(origin), &split));
            return status.ok();
          });
      if (!status.ok()) return status;
      return ok ? Status::Ok() : bad("bad spans");
    }
    case RecordType::kLogs: {
      Status status;
      bool ok = DecodeRuns<collector_logs::ExportLogsServiceRequest>(
          r, [&](auto& request, std::shared_ptr<const Origin> origin) {
            status = store->AddLogs(LogsFromRequest(request, std::move(origin)));
            return status.ok();
          });
      if (!status.ok()) return status;
      return ok ? Status::Ok() : bad("bad logs");
    }
    case RecordType::kPoints: {
      Status status;
      bool ok = DecodeRuns<collector_metrics::ExportMetricsServiceRequest>(
          r, [&](auto& request, std::shared_ptr<const Origin> origin) {
            status = store->AddMetricPoints(PointsFromRequest(*request, std::move(origin)));
            return status.ok();
          });
      if (!status.ok()) return status;
      return ok ? Status::Ok() : bad("bad metric points");
    }
    case RecordType::kStoreClear:
      return store->Clear();
    case RecordType::kSlsCreateProject: {
      SlsProjectInfo info;
      if (!r.Str(&info.name) || !r.Str(&info.description) || !r.I64(&info.create_time)) {
        return bad("bad project");
      }
      sls_store->CreateProject(std::move(info));
      return Status::Ok();
    }
    case RecordType::kSlsDeleteProject: {
      std::string project;
      if (!r.Str(&project)) return bad("bad project deletion");
      sls_store->DeleteProject(project);
      return Status::Ok();
    }
    case RecordType::kSlsCreateLogStore: {
      std::string project;
      SlsLogStoreInfo info;
      if (!r.Str(&project) || !GetLogStoreInfo(r, &info)) return bad("bad logstore");
      sls_store->CreateLogStore(project, std::move(info));
      return Status::Ok();
    }
    case RecordType::kSlsDeleteLogStore: {
      std::string project, logstore;
      if (!r.Str(&project) || !r.Str(&logstore)) return bad("bad logstore deletion");
      sls_store->DeleteLogStore(project, logstore);
      return Status::Ok();
    }
    case RecordType::kSlsAppend:
    case RecordType::kSlsGroup: {
      std::string project, logstore;
      uint64_t sequence = 0;
      int64_t received = 0;
      std::string_view bytes;
      if (!r.Str(&project) || !r.Str(&logstore) ||
          (type == RecordType::kSlsGroup && !r.U64(&sequence)) || !r.I64(&received) ||
          !r.Str(&bytes)) {
        return bad("bad log group");
      }
      Result<encoding::SlsLogGroup> group = encoding::DecodeLogGroup(bytes);
      if (!group.ok()) return bad("bad log group: " + group.status().message());
      if (type == RecordType::kSlsAppend) {
        sls_store->Append(project, logstore, std::move(group).value(), received);
      } else if (sls_store->RestoreGroup(project, logstore, sequence, received,
                                         std::move(group).value()) != SlsOutcome::kOk) {
        return bad("log group of an unknown logstore");
      }
      return Status::Ok();
    }
    case RecordType::kSlsClear:
      sls_store->Clear();
      return Status::Ok();
  }
  return bad("unknown type " + std::to_string(static_cast<int>(type)));
}

}  // namespace ptx::emulator
