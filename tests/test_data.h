#pragma once
// Where tests find ../shared/data-style folders: $AIRAN_TEST_DATA, else ../shared/data beside the
// repository. Any folder with the same layout works, so more vector sets run with the same binaries.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace airan::test {

inline std::filesystem::path data_dir() {
  if (const char* env = std::getenv("AIRAN_TEST_DATA"); env && *env) return env;
  return std::filesystem::path(AIRAN_SOURCE_DIR) / ".." / "shared" / "data";
}

/// Path of `relative` inside the data folder.
inline std::filesystem::path data_path(const std::string& relative) { return data_dir() / relative; }

/// Whole file as text; empty with `ok == false` when it cannot be read.
inline std::string read_text(const std::filesystem::path& path, bool* ok = nullptr) {
  std::ifstream in(path, std::ios::binary);
  if (ok) *ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// CSV rows (header excluded) as string fields; plain comma-separated, no quoting.
inline std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& path,
                                                      std::vector<std::string>* header = nullptr) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string f;
    while (std::getline(ss, f, ',')) fields.push_back(f);
    if (first) {
      first = false;
      if (header) *header = fields;
      continue;
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

}  // namespace airan::test
