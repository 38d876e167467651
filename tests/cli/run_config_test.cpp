// `airan run` configuration: the embedded default, file and flag overrides, errors that name the
// key path, and validation that names the field.
#include "cli/run_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "airan/rt/cpu_affinity.h"

namespace airan::cli {
namespace {

void expect_error_names(const Status& s, const std::string& what) {
  ASSERT_FALSE(s) << "expected an error naming " << what;
  EXPECT_NE(s.message().find(what), std::string::npos) << s.message();
}

TEST(RunConfig, EmbeddedDefaultMatchesTheStructDefaultsAndIsValid) {
  RunConfig loaded;
  ASSERT_TRUE(apply_run_yaml(loaded, kDefaultRunYaml, "default"));
  EXPECT_EQ(to_yaml(loaded), to_yaml(RunConfig{}));
  EXPECT_EQ(to_yaml(default_run_config()), to_yaml(RunConfig{}));
  const Status s = validate(default_run_config());
  EXPECT_TRUE(s) << s.message();
  const RunConfig d = default_run_config();
  EXPECT_EQ(d.runtime.policy, "predictive");
  EXPECT_EQ(d.cell.bandwidth_mhz, 20u);
  EXPECT_EQ(d.cell.scs_khz, 30u);
  EXPECT_EQ(d.cell.rx, 2u);
  EXPECT_EQ(d.runtime.deadline_slots, 3.0);
}

TEST(RunConfig, PrintedConfigLoadsBackToTheSameConfig) {
  RunConfig c = default_run_config();
  c.runtime.cpus = {0};
  c.runtime.policy = "reactive";
  c.cell.ue_peak_mbps = 12.5;
  c.ai.model = "models/with \"quotes\".gguf";
  c.ai.enabled = false;
  c.report.dir = "out/x";
  RunConfig back;
  const Status s = apply_run_yaml(back, to_yaml(c), "printed");
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(to_yaml(back), to_yaml(c));
  EXPECT_EQ(back.ai.model, c.ai.model);
  EXPECT_EQ(back.runtime.cpus, std::vector<int>{0});
}

TEST(RunConfig, FileOverridesOnlyTheKeysItNames) {
  const auto path = std::filesystem::temp_directory_path() / "airan_run_config_test.yaml";
  {
    std::ofstream out(path);
    out << "runtime:\n  policy: static\n  cpus: [0]\ncell:\n  ues: 2\nduration_s: 1.5\n";
  }
  RunConfig c = default_run_config();
  const Status s = apply_run_yaml_file(c, path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(s) << s.message();
  EXPECT_EQ(c.runtime.policy, "static");
  EXPECT_EQ(c.runtime.cpus, std::vector<int>{0});
  EXPECT_EQ(c.cell.ues, 2u);
  EXPECT_EQ(c.duration_s, 1.5);
  EXPECT_EQ(c.cell.bandwidth_mhz, 20u);  // untouched
  EXPECT_EQ(c.runtime.period_us, 50u);   // untouched
  expect_error_names(apply_run_yaml_file(c, "/nonexistent/airan.yaml"), "/nonexistent/airan.yaml");
}

TEST(RunConfig, UnknownKeysAreErrorsNamingTheKeyPath) {
  RunConfig c;
  expect_error_names(apply_run_yaml(c, "runtime:\n  polcy: static\n", "f.yaml"), "runtime.polcy");
  expect_error_names(apply_run_yaml(c, "colour: blue\n", "f.yaml"), "colour");
  expect_error_names(apply_run_yaml(c, "cell:\n  extra:\n    a: 1\n", "f.yaml"), "cell.extra");
  expect_error_names(apply_run_yaml(c, "cell: 3\n", "f.yaml"), "cell");
  expect_error_names(apply_run_assignment(c, "runtime.nope=1"), "runtime.nope");
  expect_error_names(apply_run_assignment(c, "runtime.policy"), "key.path=value");
}

TEST(RunConfig, BadValuesNameTheKeyPathAndLine) {
  RunConfig c;
  const Status s = apply_run_yaml(c, "seed: 1\nruntime:\n  period_us: fast\n", "f.yaml");
  expect_error_names(s, "runtime.period_us");
  EXPECT_NE(s.message().find("f.yaml:3"), std::string::npos) << s.message();
  expect_error_names(apply_run_yaml(c, "cell:\n  rx: -2\n", "f.yaml"), "cell.rx");
  expect_error_names(apply_run_yaml(c, "ai:\n  enabled: maybe\n", "f.yaml"), "ai.enabled");
  expect_error_names(apply_run_yaml(c, "runtime:\n  cpus: [0, x]\n", "f.yaml"), "runtime.cpus");
  expect_error_names(apply_run_yaml(c, "runtime: [\n", "broken.yaml"), "broken.yaml");
  expect_error_names(apply_run_assignment(c, "duration_s=long"), "duration_s");
}

TEST(RunConfig, AssignmentsAndCpuLists) {
  RunConfig c;
  ASSERT_TRUE(apply_run_assignment(c, "runtime.cpus=0-2"));
  EXPECT_EQ(c.runtime.cpus, (std::vector<int>{0, 1, 2}));
  ASSERT_TRUE(apply_run_assignment(c, "runtime.cpus=[3, 1]"));
  EXPECT_EQ(c.runtime.cpus, (std::vector<int>{3, 1}));
  ASSERT_TRUE(apply_run_assignment(c, "runtime.cpus="));
  EXPECT_TRUE(c.runtime.cpus.empty());
  ASSERT_TRUE(apply_run_yaml(c, "runtime:\n  cpus:\n    - 1\n    - 0\n", "f"));
  EXPECT_EQ(c.runtime.cpus, (std::vector<int>{1, 0}));
  ASSERT_TRUE(apply_run_assignment(c, "ai.model=/tmp/m.gguf"));
  EXPECT_EQ(c.ai.model, "/tmp/m.gguf");
  ASSERT_TRUE(apply_run_assignment(c, "load.max=0.5"));
  EXPECT_EQ(c.load.max, 0.5);
  // Every field has a setter reachable by --set and prints as YAML.
  for (const RunConfigField& f : run_config_fields()) {
    EXPECT_FALSE(f.yaml(c).empty()) << f.path;
    EXPECT_TRUE(f.flag.empty() || f.flag.rfind("--", 0) == 0) << f.flag;
  }
}

TEST(RunConfig, ValidationNamesTheField) {
  const RunConfig d = default_run_config();
  RunConfig c = d;
  c.runtime.cpus = {CPU_SETSIZE - 1};
  expect_error_names(validate(c), "runtime.cpus");
  c = d;
  c.cell.scs_khz = 15;
  c.cell.bandwidth_mhz = 100;  // FR1: 100 MHz needs 30 kHz
  expect_error_names(validate(c), "cell.bandwidth_mhz");
  c = d;
  c.cell.scs_khz = 60;
  expect_error_names(validate(c), "cell.scs_khz");
  c = d;
  c.cell.bandwidth_mhz = 17;
  expect_error_names(validate(c), "cell.bandwidth_mhz");
  c = d;
  c.runtime.policy = "greedy";
  expect_error_names(validate(c), "runtime.policy");
  c = d;
  c.runtime.period_us = 0;
  expect_error_names(validate(c), "runtime.period_us");
  c = d;
  c.load.min = 0.9;
  c.load.max = 0.5;
  expect_error_names(validate(c), "load.min");
  c = d;
  c.load.profile = "weekly";
  expect_error_names(validate(c), "load.profile");
  c = d;
  c.cell.traffic = "video";
  expect_error_names(validate(c), "cell.traffic");
  c = d;
  c.cell.ues = 0;
  expect_error_names(validate(c), "cell.ues");
  c = d;
  c.cell.k2 = 33;  // 38.214: k2 is 0..32
  expect_error_names(validate(c), "cell.k2");
  c = d;
  c.api.listen = "localhost";
  expect_error_names(validate(c), "api.listen");
  c.api.listen = "127.0.0.1:8080";
  EXPECT_TRUE(validate(c)) << validate(c).message();
  c = d;
  c.ai.required = true;
  c.ai.model = "/nonexistent/model.gguf";
  expect_error_names(validate(c), "ai.model");
  c.ai.required = false;  // not required: the run goes on RAN-only (see run_node_test)
  EXPECT_TRUE(validate(c)) << validate(c).message();
  c = d;
  c.runtime.static_ran_cores = static_cast<unsigned>(rt::allowed_cpus().size()) + 1;
  expect_error_names(validate(c), "runtime.static_ran_cores");
  c = d;
  c.runtime.min_ran_cores = static_cast<unsigned>(rt::allowed_cpus().size()) + 1;
  expect_error_names(validate(c), "runtime.min_ran_cores");
  c = d;
  c.report.dir = "";
  expect_error_names(validate(c), "report.dir");
}

TEST(RunConfig, PredictorIsOnlineRecentOrAModelFile) {
  RunConfig c = default_run_config();
  EXPECT_EQ(c.runtime.predictor, "online");
  EXPECT_FALSE(c.runtime.predictor_file());
  for (const char* p : {"online", "recent", ""}) {
    c.runtime.predictor = p;
    EXPECT_FALSE(c.runtime.predictor_file()) << p;
    const Status s = validate(c);
    EXPECT_TRUE(s) << p << ": " << s.message();
  }
  c.runtime.predictor = "no-such-model.json";
  EXPECT_TRUE(c.runtime.predictor_file());
  expect_error_names(validate(c), "runtime.predictor: file not found: no-such-model.json");
}

TEST(RunConfig, ReportDirTimestamp) {
  EXPECT_EQ(expand_report_dir("airan-report/{time}", "20260101-120000"),
            "airan-report/20260101-120000");
  EXPECT_EQ(expand_report_dir("reports/latest", "x"), "reports/latest");
}

}  // namespace
}  // namespace airan::cli
