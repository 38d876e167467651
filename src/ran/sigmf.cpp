#include "airan/ran/sigmf.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

namespace airan::ran {
namespace {

constexpr size_t kBytesPerSample = 8;  // cf32_le

std::filesystem::path with_suffix(const std::filesystem::path& base, const char* suffix) {
  return std::filesystem::path(base.string() + suffix);
}

// Checks that `field` of `obj` is a number > 0 (path names it in errors).
Expected<double> positive_number(const nlohmann::json& obj, const char* field, const std::string& path) {
  const auto it = obj.find(field);
  if (it == obj.end() || !it->is_number() || !(it->get<double>() > 0)) {
    return Error{path + field + ": expected a number > 0"};
  }
  return it->get<double>();
}

Expected<uint64_t> unsigned_field(const nlohmann::json& obj, const char* field, const std::string& path,
                                  uint64_t lo, uint64_t hi) {
  const auto it = obj.find(field);
  if (it == obj.end() || !it->is_number_integer() || it->get<int64_t>() < 0) {
    return Error{path + field + ": expected an integer " + std::to_string(lo) + ".." + std::to_string(hi)};
  }
  const auto v = it->get<uint64_t>();
  if (v < lo || v > hi) {
    return Error{path + field + "=" + std::to_string(v) + " outside " + std::to_string(lo) + ".." + std::to_string(hi)};
  }
  return v;
}

}  // namespace

Expected<SigmfWriter> SigmfWriter::create(const std::filesystem::path& base, const RecordingInfo& info) {
  if (info.num_channels < 1 || info.num_channels > 4) {
    return Error{"num_channels=" + std::to_string(info.num_channels) + " outside 1..4"};
  }
  SigmfWriter w;
  w.base_ = base;
  w.info_ = info;
  w.data_.open(with_suffix(base, ".sigmf-data"), std::ios::binary | std::ios::trunc);
  if (!w.data_) return Error{"cannot create " + with_suffix(base, ".sigmf-data").string()};
  return w;
}

Status SigmfWriter::write_slot(std::span<const std::span<const std::complex<float>>> channels,
                               const SlotSchedule& schedule) {
  if (channels.size() != info_.num_channels) {
    return Error{"channels has " + std::to_string(channels.size()) + " spans, num_channels=" +
                 std::to_string(info_.num_channels)};
  }
  const size_t n = channels[0].size();
  for (const auto& c : channels) {
    if (c.size() != n) return Error{"channels differ in length"};
  }
  interleaved_.resize(n * channels.size());
  for (size_t i = 0; i < n; ++i) {
    for (size_t c = 0; c < channels.size(); ++c) interleaved_[i * channels.size() + c] = channels[c][i];
  }
  // cf32_le: this writes the in-memory layout, which is little-endian IEEE float on every target
  // airan builds for (x86-64).
  data_.write(reinterpret_cast<const char*>(interleaved_.data()),
              static_cast<std::streamsize>(interleaved_.size() * kBytesPerSample));
  if (!data_) return Error{"write to " + with_suffix(base_, ".sigmf-data").string() + " failed"};
  slots_.push_back({samples_, n, schedule});
  samples_ += n;
  return Status::ok();
}

Status SigmfWriter::finish() {
  data_.close();
  nlohmann::json annotations = nlohmann::json::array();
  for (const auto& s : slots_) {
    annotations.push_back({{"core:sample_start", s.sample_start}, {"core:sample_count", s.sample_count},
                           {"airan:schedule", to_json(s.schedule)}});
  }
  const nlohmann::json meta = {
      {"global",
       {{"core:datatype", "cf32_le"}, {"core:version", "1.0.0"}, {"core:sample_rate", info_.sample_rate_hz},
        {"core:num_channels", info_.num_channels}, {"core:description", info_.description},
        {"core:recorder", "airan"}, {"airan:scs_khz", info_.scs_khz},
        {"airan:bandwidth_mhz", info_.bandwidth_mhz}, {"airan:cell_id", info_.cell_id}}},
      {"captures", nlohmann::json::array({{{"core:sample_start", 0}}})},
      {"annotations", annotations}};
  std::ofstream out(with_suffix(base_, ".sigmf-meta"), std::ios::trunc);
  out << meta.dump(1) << "\n";
  if (!out) return Error{"cannot write " + with_suffix(base_, ".sigmf-meta").string()};
  return Status::ok();
}

Expected<SigmfReader> SigmfReader::parse_meta(std::string_view meta_text, uint64_t data_bytes) {
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(meta_text);
  } catch (const nlohmann::json::parse_error& e) {
    return Error{"sigmf-meta: invalid JSON at byte offset " + std::to_string(e.byte) + ": " + e.what()};
  } catch (const nlohmann::json::exception& e) {  // e.g. a number too large for a double
    return Error{std::string("sigmf-meta: invalid JSON: ") + e.what()};
  }
  if (!meta.is_object()) return Error{"sigmf-meta: expected a JSON object at the top level"};
  const auto global = meta.find("global");
  if (global == meta.end() || !global->is_object()) return Error{"global: missing or not an object"};
  const auto datatype = global->find("core:datatype");
  if (datatype == global->end() || !datatype->is_string()) return Error{"global.core:datatype: missing"};
  if (datatype->get<std::string>() != "cf32_le") {
    return Error{"global.core:datatype=" + datatype->get<std::string>() + ": only cf32_le is supported"};
  }
  SigmfReader r;
  auto rate = positive_number(*global, "core:sample_rate", "global.");
  if (!rate) return rate.error();
  r.info_.sample_rate_hz = *rate;
  const bool has_channels = global->contains("core:num_channels");
  auto channels = has_channels ? unsigned_field(*global, "core:num_channels", "global.", 1, 4) : Expected<uint64_t>(1);
  if (!channels) return channels.error();
  r.info_.num_channels = static_cast<unsigned>(*channels);
  auto scs = unsigned_field(*global, "airan:scs_khz", "global.", 15, 30);
  if (!scs) return scs.error();
  r.info_.scs_khz = static_cast<unsigned>(*scs);
  auto bw = unsigned_field(*global, "airan:bandwidth_mhz", "global.", 5, 100);
  if (!bw) return bw.error();
  r.info_.bandwidth_mhz = static_cast<unsigned>(*bw);
  auto cell = unsigned_field(*global, "airan:cell_id", "global.", 0, 1007);
  if (!cell) return cell.error();
  r.info_.cell_id = static_cast<unsigned>(*cell);
  if (const auto d = global->find("core:description"); d != global->end() && d->is_string()) {
    r.info_.description = d->get<std::string>();
  }
  const uint64_t frame_bytes = kBytesPerSample * r.info_.num_channels;
  if (data_bytes % frame_bytes != 0) {
    return Error{"sigmf-data: " + std::to_string(data_bytes) + " bytes is not a whole number of " +
                 std::to_string(frame_bytes) + "-byte samples (truncated at byte offset " +
                 std::to_string(data_bytes - data_bytes % frame_bytes) + ")"};
  }
  const uint64_t total_samples = data_bytes / frame_bytes;
  const auto annotations = meta.find("annotations");
  if (annotations == meta.end() || !annotations->is_array()) return Error{"annotations: missing or not an array"};
  uint64_t previous_end = 0;
  for (size_t i = 0; i < annotations->size(); ++i) {
    const auto& a = (*annotations)[i];
    const std::string path = "annotations[" + std::to_string(i) + "].";
    if (!a.is_object()) return Error{path.substr(0, path.size() - 1) + ": expected an object"};
    auto start = unsigned_field(a, "core:sample_start", path, 0, UINT64_MAX / 2);
    if (!start) return start.error();
    auto count = unsigned_field(a, "core:sample_count", path, 1, UINT64_MAX / 2);
    if (!count) return count.error();
    if (*start < previous_end) {
      return Error{path + "core:sample_start=" + std::to_string(*start) + " overlaps the previous slot (ends at " +
                   std::to_string(previous_end) + ")"};
    }
    if (*start + *count > total_samples) {
      return Error{path + "core:sample_count: slot ends at sample " + std::to_string(*start + *count) +
                   " (byte offset " + std::to_string((*start + *count) * frame_bytes) + ") but the data file holds " +
                   std::to_string(total_samples) + " samples (" + std::to_string(data_bytes) + " bytes)"};
    }
    previous_end = *start + *count;
    const auto sched = a.find("airan:schedule");
    if (sched == a.end()) return Error{path + "airan:schedule: missing"};
    auto schedule = slot_schedule_from_json(*sched);
    if (!schedule) return Error{path + "airan:" + schedule.error().message};
    r.slots_.push_back({*start, *count, std::move(*schedule)});
  }
  return r;
}

Expected<SigmfReader> SigmfReader::open(const std::filesystem::path& base) {
  const auto meta_path = with_suffix(base, ".sigmf-meta");
  const auto data_path = with_suffix(base, ".sigmf-data");
  std::ifstream meta(meta_path);
  if (!meta) return Error{"cannot open " + meta_path.string()};
  std::stringstream text;
  text << meta.rdbuf();
  std::error_code ec;
  const auto data_bytes = std::filesystem::file_size(data_path, ec);
  if (ec) return Error{"cannot open " + data_path.string() + ": " + ec.message()};
  auto r = parse_meta(text.str(), data_bytes);
  if (!r) return Error{meta_path.filename().string() + ": " + r.error().message};
  r->data_path_ = data_path;
  r->data_.open(data_path, std::ios::binary);
  if (!r->data_) return Error{"cannot open " + data_path.string()};
  return r;
}

Status SigmfReader::read_slot(size_t index, std::span<const std::span<std::complex<float>>> channels) {
  if (index >= slots_.size()) {
    return Error{"slot index " + std::to_string(index) + " outside 0.." + std::to_string(slots_.size()) + "-1"};
  }
  const RecordedSlot& s = slots_[index];
  const unsigned nc = info_.num_channels;
  if (channels.size() != nc) {
    return Error{"channels has " + std::to_string(channels.size()) + " spans, num_channels=" + std::to_string(nc)};
  }
  for (const auto& c : channels) {
    if (c.size() != s.sample_count) return Error{"each channel span needs " + std::to_string(s.sample_count) + " samples"};
  }
  interleaved_.resize(s.sample_count * nc);
  data_.clear();
  data_.seekg(static_cast<std::streamoff>(s.sample_start * nc * kBytesPerSample));
  data_.read(reinterpret_cast<char*>(interleaved_.data()),
             static_cast<std::streamsize>(interleaved_.size() * kBytesPerSample));
  if (!data_) {
    return Error{"sigmf-data: short read at byte offset " + std::to_string(s.sample_start * nc * kBytesPerSample)};
  }
  for (size_t i = 0; i < s.sample_count; ++i) {
    for (unsigned c = 0; c < nc; ++c) channels[c][i] = interleaved_[i * nc + c];
  }
  return Status::ok();
}

}  // namespace airan::ran
