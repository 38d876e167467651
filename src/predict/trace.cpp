// CSV trace reader and writers. The reader parses the whole file in place: it scans each line
// once with pointers, converts numbers with std::from_chars and allocates only per new task
// type, so a few hundred thousand rows load in tens of milliseconds.
#include "airan/predict/trace.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <system_error>

namespace airan::predict {
namespace {

constexpr int kColumnTask = -1;
constexpr int kColumnDuration = -2;
constexpr int kColumnIgnored = -3;

std::string where(std::string_view source, size_t line) {
  return std::string(source) + ": line " + std::to_string(line);
}

std::string where(std::string_view source, size_t line, size_t column, std::string_view name) {
  return where(source, line) + ", column " + std::to_string(column) + " (" + std::string(name) +
         ")";
}

// Parses a whole field as a number; false when anything is left over or it is not finite.
template <typename T>
bool parse_number(std::string_view field, T& out) {
  const char* first = field.data();
  const char* last = field.data() + field.size();
  if (first != last && *first == '+') ++first;  // from_chars rejects a leading '+'
  const auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc() && ptr == last && first != last && std::isfinite(out);
}

std::string_view trim_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

std::string shorten(std::string_view s) {
  return s.size() <= 40 ? std::string(s) : std::string(s.substr(0, 40)) + "...";
}

}  // namespace

int Trace::task_index(std::string_view name) const {
  for (size_t i = 0; i < task_names.size(); ++i) {
    if (task_names[i] == name) return static_cast<int>(i);
  }
  return -1;
}

void Trace::add(std::string_view task_name, const FeatureVector& x, double duration_ns_value) {
  int t = task_index(task_name);
  if (t < 0) {
    t = static_cast<int>(task_names.size());
    task_names.emplace_back(task_name);
  }
  task.push_back(static_cast<uint16_t>(t));
  features.insert(features.end(), x.begin(), x.end());
  duration_ns.push_back(duration_ns_value);
  for (size_t f = 0; f < kNumFeatures; ++f) {
    if (!std::isnan(x[f])) has_column[f] = true;
  }
}

Expected<Trace> parse_trace(std::string_view text, const TraceLoadOptions& options,
                            std::string_view source) {
  Trace trace;
  size_t pos = 0, line_no = 0;
  auto next_line = [&](std::string_view& line) {
    if (pos >= text.size()) return false;
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    line = trim_cr(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    return true;
  };
  auto skip = [](std::string_view line) { return line.empty() || line.front() == '#'; };

  // Header.
  std::string_view header;
  bool found = false;
  while (next_line(header)) {
    if (!skip(header)) {
      found = true;
      break;
    }
  }
  if (!found) {
    return Error{std::string(source) +
                 ": empty file (expected a header line such as task,prbs,...,duration_ns)"};
  }
  std::vector<int> column_kind;  // feature index, or kColumn*
  std::vector<std::string> column_names;
  int task_column = -1, duration_column = -1;
  {
    size_t start = 0;
    while (true) {
      size_t comma = header.find(',', start);
      std::string_view name = header.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
      while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
      const size_t col = column_kind.size() + 1;
      for (const auto& earlier : column_names) {
        if (earlier == name) {
          return Error{where(source, line_no, col, name) + ": duplicate column name"};
        }
      }
      if (name.empty())
        return Error{where(source, line_no) + ", column " + std::to_string(col) +
                     ": empty column name"};
      if (name == "task") {
        task_column = static_cast<int>(column_kind.size());
        column_kind.push_back(kColumnTask);
      } else if (name == "duration_ns") {
        duration_column = static_cast<int>(column_kind.size());
        column_kind.push_back(kColumnDuration);
      } else if (auto f = feature_from_name(name)) {
        column_kind.push_back(static_cast<int>(index_of(*f)));
        trace.has_column[index_of(*f)] = true;
      } else if (options.allow_unknown_columns) {
        column_kind.push_back(kColumnIgnored);
        trace.ignored_columns.emplace_back(name);
      } else {
        return Error{where(source, line_no, col, name) + ": unknown feature name (expected task, " +
                     "duration_ns or one of: " + std::string(feature_name_list()) + ")"};
      }
      column_names.emplace_back(name);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  if (task_column < 0) return Error{where(source, line_no) + ": header has no 'task' column"};
  if (duration_column < 0) {
    return Error{where(source, line_no) + ": header has no 'duration_ns' column"};
  }
  for (Feature f : options.required_features) {
    if (!trace.has_column[index_of(f)]) {
      return Error{where(source, line_no) + ": header has no column for feature '" +
                   std::string(feature_name(f)) + "', which the model requires"};
    }
  }

  // Rows. Reserve from a cheap estimate of the line count.
  const size_t columns = column_kind.size();
  {
    const size_t estimate =
        static_cast<size_t>(std::count(text.begin() + static_cast<long>(pos), text.end(), '\n')) +
        1;
    trace.task.reserve(estimate);
    trace.duration_ns.reserve(estimate);
    trace.features.reserve(estimate * kNumFeatures);
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  int last_task = -1;
  std::string_view line;
  while (next_line(line)) {
    if (skip(line)) continue;
    const size_t base = trace.features.size();
    trace.features.resize(base + kNumFeatures, nan);
    float* row = trace.features.data() + base;
    double duration = -1;
    int task = -1;
    size_t col = 0, start = 0;
    while (true) {
      const size_t comma = line.find(',', start);
      const std::string_view field = line.substr(
          start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (col >= columns) {
        const size_t have = static_cast<size_t>(std::count(line.begin(), line.end(), ',')) + 1;
        return Error{where(source, line_no) + ": " + std::to_string(have) + " columns, expected " +
                     std::to_string(columns) + " as in the header"};
      }
      const int kind = column_kind[col];
      if (kind >= 0) {
        if (!field.empty() && !parse_number(field, row[kind])) {
          return Error{where(source, line_no, col + 1, column_names[col]) + ": malformed number '" +
                       shorten(field) + "' (expected a decimal number or empty)"};
        }
      } else if (kind == kColumnDuration) {
        if (field.empty()) {
          return Error{where(source, line_no, col + 1, column_names[col]) +
                       ": missing duration (expected nanoseconds >= 0)"};
        }
        if (!parse_number(field, duration) || duration < 0) {
          return Error{where(source, line_no, col + 1, column_names[col]) + ": malformed number '" +
                       shorten(field) + "' (expected nanoseconds >= 0)"};
        }
      } else if (kind == kColumnTask) {
        if (field.empty()) {
          return Error{where(source, line_no, col + 1, column_names[col]) +
                       ": empty task name (expected e.g. ldpc_decode)"};
        }
        if (last_task >= 0 && trace.task_names[static_cast<size_t>(last_task)] == field) {
          task = last_task;
        } else {
          task = trace.task_index(field);
          if (task < 0) {
            if (trace.task_names.size() >= 65535) {
              return Error{where(source, line_no, col + 1, column_names[col]) +
                           ": more than 65535 task types"};
            }
            task = static_cast<int>(trace.task_names.size());
            trace.task_names.emplace_back(field);
          }
          last_task = task;
        }
      }
      ++col;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    if (col != columns) {
      return Error{where(source, line_no) + ": " + std::to_string(col) + " columns, expected " +
                   std::to_string(columns) + " as in the header"};
    }
    trace.task.push_back(static_cast<uint16_t>(task));
    trace.duration_ns.push_back(duration);
  }
  return trace;
}

Expected<Trace> load_trace(const std::filesystem::path& path, const TraceLoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"trace '" + path.string() + "': cannot open the file"};
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return Error{"trace '" + path.string() + "': cannot read the file"};
  in.seekg(0, std::ios::beg);
  std::string text(static_cast<size_t>(size), '\0');
  if (!in.read(text.data(), size)) return Error{"trace '" + path.string() + "': read failed"};
  return parse_trace(text, options, "trace '" + path.string() + "'");
}

namespace {

void append_number(std::string& out, double v) {
  if (std::isnan(v)) return;
  char buf[32];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec == std::errc()) out.append(buf, ptr);
}

void append_number(std::string& out, float v) {
  if (std::isnan(v)) return;
  char buf[32];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec == std::errc()) out.append(buf, ptr);
}

std::string header_line(std::span<const Feature> columns) {
  std::string h = "task";
  for (Feature f : columns) {
    h += ',';
    h += feature_name(f);
  }
  h += ",duration_ns\n";
  return h;
}

void append_row(std::string& out, std::string_view task_name, std::span<const float> x,
                std::span<const Feature> columns, double duration) {
  out.append(task_name);
  for (Feature f : columns) {
    out += ',';
    append_number(out, x[index_of(f)]);
  }
  out += ',';
  append_number(out, duration);
  out += '\n';
}

std::vector<Feature> trace_columns(const Trace& trace) {
  std::vector<Feature> cols;
  for (size_t f = 0; f < kNumFeatures; ++f) {
    if (trace.has_column[f]) cols.push_back(static_cast<Feature>(f));
  }
  return cols;
}

}  // namespace

std::string format_trace(const Trace& trace) {
  const auto cols = trace_columns(trace);
  std::string out = header_line(cols);
  out.reserve(out.size() + trace.rows() * 48);
  for (size_t i = 0; i < trace.rows(); ++i) {
    append_row(out, trace.task_names[trace.task[i]], trace.row_features(i), cols,
               trace.duration_ns[i]);
  }
  return out;
}

Status save_trace(const Trace& trace, const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error{"trace '" + path.string() + "': cannot create the file"};
  const std::string text = format_trace(trace);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) return Error{"trace '" + path.string() + "': write failed"};
  return Status::ok();
}

void TraceWriter::FileCloser::operator()(std::FILE* f) const {
  if (f) std::fclose(f);
}

Expected<TraceWriter> TraceWriter::create(const std::filesystem::path& path,
                                          std::vector<Feature> columns) {
  TraceWriter w;
  w.path_ = path.string();
  w.file_.reset(std::fopen(w.path_.c_str(), "wb"));
  if (!w.file_) return Error{"trace '" + w.path_ + "': cannot create the file"};
  w.columns_ = std::move(columns);
  const std::string h = header_line(w.columns_);
  std::fwrite(h.data(), 1, h.size(), w.file_.get());
  return w;
}

void TraceWriter::write(std::string_view task_name, const FeatureVector& x,
                        double duration_ns_value) {
  if (!file_) return;
  thread_local std::string line;
  line.clear();
  append_row(line, task_name, x, columns_, duration_ns_value);
  std::fwrite(line.data(), 1, line.size(), file_.get());
  ++rows_;
}

Status TraceWriter::close() {
  if (!file_) return Error{"trace '" + path_ + "': not open"};
  const bool failed = std::ferror(file_.get()) != 0;
  const int rc = std::fclose(file_.release());
  if (failed || rc != 0) return Error{"trace '" + path_ + "': write failed"};
  return Status::ok();
}

}  // namespace airan::predict
