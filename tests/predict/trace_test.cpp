// Trace CSV loader: a good file, every error path (with line and column), writers, round trips.
#include "airan/predict/trace.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

namespace airan::predict {
namespace {

std::filesystem::path temp_path(const char* name) {
  return std::filesystem::temp_directory_path() /
         (std::string("airan_predict_") + name + "_" + std::to_string(::getpid()));
}

const char* kGood =
    "# recorded by a test\n"
    "task,prbs,layers,rx_ports,snr_db,iterations,note,duration_ns\r\n"
    "equalization,51,2,4,12.5,,x,18250\r\n"
    "\n"
    "ldpc_decode,,,,3.1,4,,41230.5\n"
    "equalization,106,1,2,-3,,,9000\n"
    "ldpc_decode,,,,+7,2,y,1e4";

TEST(Trace, ParsesAGoodFile) {
  auto t = parse_trace(kGood);
  ASSERT_TRUE(t) << t.error().message;
  ASSERT_EQ(t->rows(), 4u);
  ASSERT_EQ(t->task_names.size(), 2u);
  EXPECT_EQ(t->task_names[0], "equalization");
  EXPECT_EQ(t->task_names[1], "ldpc_decode");
  EXPECT_EQ(t->task[1], 1);
  EXPECT_EQ(t->task[2], 0);
  EXPECT_FLOAT_EQ(t->row_features(0)[index_of(Feature::prbs)], 51);
  EXPECT_FLOAT_EQ(t->row_features(0)[index_of(Feature::snr_db)], 12.5);
  EXPECT_TRUE(std::isnan(t->row_features(0)[index_of(Feature::iterations)]));
  EXPECT_TRUE(std::isnan(t->row_features(0)[index_of(Feature::tbs)]));  // not a column
  EXPECT_FLOAT_EQ(t->row_features(2)[index_of(Feature::snr_db)], -3);
  EXPECT_FLOAT_EQ(t->row_features(3)[index_of(Feature::snr_db)], 7);
  EXPECT_DOUBLE_EQ(t->duration_ns[1], 41230.5);
  EXPECT_DOUBLE_EQ(t->duration_ns[3], 10000);
  EXPECT_TRUE(t->has_column[index_of(Feature::rx_ports)]);
  EXPECT_FALSE(t->has_column[index_of(Feature::tbs)]);
  ASSERT_EQ(t->ignored_columns.size(), 1u);
  EXPECT_EQ(t->ignored_columns[0], "note");
}

struct BadCase {
  const char* text;
  std::vector<const char*> expect;  // substrings of the error message
  TraceLoadOptions options;
};

TEST(Trace, EveryErrorNamesLineAndColumn) {
  TraceLoadOptions strict;
  strict.allow_unknown_columns = false;
  TraceLoadOptions needs_tbs;
  needs_tbs.required_features = {Feature::tbs};
  const std::vector<BadCase> cases = {
      {"", {"empty file"}, {}},
      {"# only a comment\n\n", {"empty file"}, {}},
      {"prbs,duration_ns\n1,2\n", {"line 1", "no 'task' column"}, {}},
      {"task,prbs\nx,1\n", {"line 1", "no 'duration_ns' column"}, {}},
      {"task,prbs,prbs,duration_ns\n", {"line 1, column 3 (prbs)", "duplicate"}, {}},
      {"task,,duration_ns\n", {"line 1, column 2", "empty column name"}, {}},
      {"task,prbs,bogus,duration_ns\n", {"line 1, column 3 (bogus)", "unknown feature"}, strict},
      {"task,prbs,duration_ns\n", {"line 1", "feature 'tbs'", "requires"}, needs_tbs},
      {"task,prbs,duration_ns\na,1,2\na,1\n", {"line 3", "2 columns, expected 3"}, {}},
      {"task,prbs,duration_ns\na,1,2,4\n", {"line 2", "4 columns, expected 3"}, {}},
      {"task,prbs,duration_ns\na,1,2\n\na,x1,5\n",
       {"line 4, column 2 (prbs)", "malformed number 'x1'"},
       {}},
      {"task,prbs,duration_ns\na,1.5.2,5\n", {"line 2, column 2 (prbs)", "malformed"}, {}},
      {"task,prbs,duration_ns\na,inf,5\n", {"line 2, column 2 (prbs)", "malformed"}, {}},
      {"task,duration_ns,prbs\na,12us,5\n",
       {"line 2, column 2 (duration_ns)", "malformed number '12us'"},
       {}},
      {"task,prbs,duration_ns\na,1,\n", {"line 2, column 3 (duration_ns)", "missing duration"}, {}},
      {"task,prbs,duration_ns\na,1,-4\n", {"line 2, column 3 (duration_ns)", ">= 0"}, {}},
      {"prbs,task,duration_ns\n1,,4\n", {"line 2, column 2 (task)", "empty task name"}, {}},
  };
  for (const auto& c : cases) {
    auto t = parse_trace(c.text, c.options, "t.csv");
    ASSERT_FALSE(t) << "accepted: " << c.text;
    EXPECT_NE(t.error().message.find("t.csv"), std::string::npos) << t.error().message;
    for (const char* e : c.expect) {
      EXPECT_NE(t.error().message.find(e), std::string::npos)
          << "'" << e << "' not in: " << t.error().message;
    }
  }
}

TEST(Trace, HeaderOnlyIsAnEmptyTrace) {
  auto t = parse_trace("task,prbs,duration_ns\n");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->rows(), 0u);
}

TEST(Trace, MissingFileIsAnError) {
  auto t = load_trace(temp_path("does_not_exist.csv"));
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("cannot open"), std::string::npos);
}

TEST(Trace, FormatParseRoundTripAndLargeFile) {
  Trace t;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0, 100);
  for (int i = 0; i < 200000; ++i) {
    FeatureVector x = missing_features();
    x[index_of(Feature::prbs)] = std::floor(u(rng));
    if (i % 3) x[index_of(Feature::snr_db)] = u(rng) - 50;
    x[index_of(Feature::code_rate)] = u(rng) / 100;
    t.add(i % 7 ? "ldpc_decode" : "ofdm_demod", x, std::floor(u(rng) * 1000) + 0.25);
  }
  const auto path = temp_path("roundtrip.csv");
  ASSERT_TRUE(save_trace(t, path));
  auto back = load_trace(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->rows(), t.rows());
  EXPECT_EQ(back->task_names, t.task_names);
  EXPECT_EQ(back->task, t.task);
  EXPECT_EQ(back->duration_ns, t.duration_ns);
  EXPECT_EQ(back->has_column, t.has_column);
  for (size_t i = 0; i < t.features.size(); ++i) {
    const float a = t.features[i], b = back->features[i];
    ASSERT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << i;
  }
}

TEST(Trace, WriterStreamsRowsInTheHeaderOrder) {
  const auto path = temp_path("writer.csv");
  auto w = TraceWriter::create(path, {Feature::z, Feature::bg, Feature::snr_db});
  ASSERT_TRUE(w) << w.error().message;
  FeatureVector x = missing_features();
  x[index_of(Feature::bg)] = 2;
  x[index_of(Feature::z)] = 384;
  x[index_of(Feature::prbs)] = 5;  // not a column: dropped
  w->write("ldpc_decode", x, 1234.5);
  x[index_of(Feature::snr_db)] = 1.5;
  w->write("ldpc_decode", x, 99);
  EXPECT_EQ(w->rows(), 2u);
  ASSERT_TRUE(w->close());
  std::ifstream in(path);
  std::string h, r1, r2;
  std::getline(in, h);
  std::getline(in, r1);
  std::getline(in, r2);
  EXPECT_EQ(h, "task,z,bg,snr_db,duration_ns");
  EXPECT_EQ(r1, "ldpc_decode,384,2,,1234.5");
  EXPECT_EQ(r2, "ldpc_decode,384,2,1.5,99");
  auto t = load_trace(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->rows(), 2u);
  EXPECT_FALSE(t->has_column[index_of(Feature::prbs)]);
}

}  // namespace
}  // namespace airan::predict
