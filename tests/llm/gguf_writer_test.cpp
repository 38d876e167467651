// GGUF writer: files it writes are read back by the reader (metadata, tensor table, alignment,
// data), half/bfloat conversions against an independent decoder, and random models of every engine
// type.
#include "airan/llm/gguf_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "airan/llm/matmul.h"
#include "airan/llm/model_params.h"
#include "airan/llm/tokenizer.h"
#include "test_data.h"

namespace airan::llm {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("airan_gguf_writer_" + std::to_string(getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// IEEE binary16 -> float, written from the format's definition (independent of the writer).
float half_to_float(uint16_t h) {
  const int sign = h >> 15;
  const int exp = (h >> 10) & 0x1F;
  const int mant = h & 0x3FF;
  double v = 0.0;
  if (exp == 0) {
    v = std::ldexp(mant, -24);
  } else if (exp == 31) {
    v = mant ? std::nan("") : INFINITY;
  } else {
    v = std::ldexp(1024 + mant, exp - 25);
  }
  return static_cast<float>(sign ? -v : v);
}

GgufWriter::TensorFiller no_tensors() {
  return [](size_t, std::span<uint8_t>) { return Status::ok(); };
}

TEST(GgufWriter, MetadataAndTensorsRoundTripThroughTheReader) {
  GgufWriter w(64);
  w.set_string("general.architecture", "llama");
  w.set_u8("v.u8", 200);
  w.set_i8("v.i8", -5);
  w.set_u16("v.u16", 60000);
  w.set_i16("v.i16", -30000);
  w.set_u32("v.u32", 4000000000u);
  w.set_i32("v.i32", -2000000000);
  w.set_u64("v.u64", 1ULL << 40);
  w.set_i64("v.i64", -(1LL << 40));
  w.set_f32("v.f32", 1.5f);
  w.set_f64("v.f64", 2.25);
  w.set_bool("v.bool", true);
  w.set_string("v.str", "日本語");
  const std::vector<std::string> strs = {"a", "", "bc"};
  const std::vector<float> floats = {1.0f, -2.0f, 3.5f};
  const std::vector<int32_t> ints = {7, -8, 9};
  w.set_string_array("v.strs", strs);
  w.set_f32_array("v.f32s", floats);
  w.set_i32_array("v.i32s", ints);
  w.set_u32("v.replaced", 1);
  w.set_u32("v.replaced", 2);
  ASSERT_TRUE(w.add_tensor("a", {32, 3}, TensorType::kQ8_0));
  ASSERT_TRUE(w.add_tensor("b", {5}, TensorType::kF32));
  ASSERT_TRUE(w.add_tensor("c", {4, 2, 2}, TensorType::kF16));
  auto bytes = w.write_memory([&](size_t i, std::span<uint8_t> dst) {
    for (size_t k = 0; k < dst.size(); ++k) dst[k] = static_cast<uint8_t>(i * 50 + k);
    return Status::ok();
  });
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_EQ(bytes->size(), w.file_size());

  auto f = GgufFile::parse(*bytes, "written");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->alignment(), 64u);
  EXPECT_EQ(f->data_offset() % 64, 0u);
  EXPECT_EQ(*f->get_string("general.architecture"), "llama");
  EXPECT_EQ(f->find("v.u8")->value.u64, 200u);
  EXPECT_EQ(f->find("v.i8")->value.i64, -5);
  EXPECT_EQ(f->find("v.u16")->value.u64, 60000u);
  EXPECT_EQ(f->find("v.i16")->value.i64, -30000);
  EXPECT_EQ(*f->get_u32("v.u32"), 4000000000u);
  EXPECT_EQ(*f->get_i32("v.i32"), -2000000000);
  EXPECT_EQ(*f->get_u64("v.u64"), 1ULL << 40);
  EXPECT_EQ(f->find("v.i64")->value.i64, -(1LL << 40));
  EXPECT_EQ(*f->get_f32("v.f32"), 1.5f);
  EXPECT_EQ(f->find("v.f64")->value.f64, 2.25);
  EXPECT_TRUE(*f->get_bool("v.bool"));
  EXPECT_EQ(*f->get_string("v.str"), "日本語");
  auto s = f->get_string_array("v.strs");
  ASSERT_TRUE(s);
  EXPECT_EQ(std::vector<std::string>(s->begin(), s->end()), strs);
  EXPECT_EQ(*f->get_f32_array("v.f32s"), floats);
  EXPECT_EQ(*f->get_i32_array("v.i32s"), ints);
  EXPECT_EQ(*f->get_u32("v.replaced"), 2u);

  ASSERT_EQ(f->tensors().size(), 3u);
  const std::vector<std::vector<int64_t>> shapes = {{32, 3}, {5}, {4, 2, 2}};
  const std::vector<uint32_t> types = {8, 0, 1};
  const std::vector<uint64_t> sizes = {3 * 34, 20, 32};
  for (size_t i = 0; i < 3; ++i) {
    const GgufTensorInfo& t = f->tensors()[i];
    EXPECT_EQ(t.shape, shapes[i]);
    EXPECT_EQ(t.type, types[i]);
    EXPECT_EQ(t.n_bytes, sizes[i]);
    EXPECT_EQ(t.file_offset % 64, 0u) << t.name;
    auto data = f->tensor_data(t);
    ASSERT_TRUE(data);
    for (size_t k = 0; k < data->size(); ++k) {
      ASSERT_EQ((*data)[k], static_cast<uint8_t>(i * 50 + k)) << t.name << " byte " << k;
    }
  }
}

TEST(GgufWriter, CopiesEveryValueOfAVocabularyFile) {
  auto src = GgufFile::open(test::data_path("llm/vocab/ggml-vocab-llama-spm.gguf"));
  ASSERT_TRUE(src) << src.error().message;
  GgufWriter w;
  for (const auto& kv : src->metadata()) {
    if (kv.key == "general.alignment") continue;
    ASSERT_TRUE(w.copy_value(kv.key, kv.value)) << kv.key;
  }
  auto bytes = w.write_memory(no_tensors());
  ASSERT_TRUE(bytes);
  auto copy = GgufFile::parse(*bytes, "copy");
  ASSERT_TRUE(copy) << copy.error().message;
  for (const auto& kv : src->metadata()) {
    const GgufKeyValue* c = copy->find(kv.key);
    ASSERT_NE(c, nullptr) << kv.key;
    EXPECT_EQ(c->value.type, kv.value.type) << kv.key;
    EXPECT_EQ(c->value.to_string(1u << 20), kv.value.to_string(1u << 20)) << kv.key;
  }
  // The copied tokenizer tokenises like the original.
  auto t1 = Tokenizer::from_gguf(*src);
  auto t2 = Tokenizer::from_gguf(*copy);
  ASSERT_TRUE(t1 && t2);
  EXPECT_EQ(t1->encode("Hello world 日本", true), t2->encode("Hello world 日本", true));
}

TEST(GgufWriter, RejectsBadTensors) {
  GgufWriter w;
  ASSERT_TRUE(w.add_tensor("x", {64}, TensorType::kF32));
  EXPECT_FALSE(w.add_tensor("x", {64}, TensorType::kF32));
  EXPECT_FALSE(w.add_tensor("", {64}, TensorType::kF32));
  EXPECT_FALSE(w.add_tensor("y", {}, TensorType::kF32));
  EXPECT_FALSE(w.add_tensor("y", {1, 1, 1, 1, 1}, TensorType::kF32));
  EXPECT_FALSE(w.add_tensor("y", {0, 4}, TensorType::kF32));
  auto e = w.add_tensor("y", {100, 2}, TensorType::kQ4_K);
  ASSERT_FALSE(e);
  EXPECT_NE(e.message().find("block size 256"), std::string::npos);
  EXPECT_FALSE(w.add_tensor("y", {4}, static_cast<TensorType>(99)));
  // A failing filler aborts the write with the tensor's name.
  auto bad = w.write_memory([](size_t, std::span<uint8_t>) { return Status(Error{"boom"}); });
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("\"x\""), std::string::npos);
  auto unwritable = w.write_file("/nonexistent-dir/x.gguf", no_tensors());
  ASSERT_FALSE(unwritable);
  EXPECT_NE(unwritable.message().find("/nonexistent-dir/x.gguf"), std::string::npos);
}

TEST(GgufWriter, HalfConversionRoundTripsEveryHalfAndRoundsToNearestEven) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = half_to_float(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(half_to_float(f32_to_f16(f))));
      continue;
    }
    ASSERT_EQ(f32_to_f16(f), h) << "half " << h;
  }
  EXPECT_EQ(f32_to_f16(1.0f), 0x3C00);
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3C00);      // tie -> even
  EXPECT_EQ(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);  // tie -> even (up)
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7BFF);
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7BFF);
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7C00);
  EXPECT_EQ(f32_to_f16(-1e9f), 0xFC00);
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);  // tie -> even (zero)
  EXPECT_EQ(f32_to_f16(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(f32_to_f16(1e-10f), 0x0000);
  EXPECT_EQ(f32_to_f16(-0.0f), 0x8000);

  EXPECT_EQ(f32_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(f32_to_bf16(-2.0f), 0xC000);
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3F808000u)), 0x3F80);  // tie -> even
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3F818000u)), 0x3F82);  // tie -> even (up)
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3F808001u)), 0x3F81);
  EXPECT_EQ(f32_to_bf16(INFINITY), 0x7F80);
  EXPECT_EQ(f32_to_bf16(std::nanf("")) & 0x7F80, 0x7F80);
  EXPECT_NE(f32_to_bf16(std::nanf("")) & 0x7F, 0);
}

RandomModelSpec small_spec(TensorType type) {
  RandomModelSpec s;
  s.n_embd = 256;
  s.n_layer = 2;
  s.n_head = 4;
  s.n_head_kv = 2;
  s.n_ff = 512;
  s.n_vocab = 300;
  s.n_ctx = 1024;
  s.type = type;
  s.seed = 11;
  s.threads = 2;
  return s;
}

// Mean and standard deviation of a tensor after dequantising it.
void tensor_stats(const GgufFile& f, const GgufTensorInfo& t, double* mean, double* stddev) {
  auto data = f.tensor_data(t);
  ASSERT_TRUE(data);
  std::vector<float> values(static_cast<size_t>(t.n_elements));
  dequantize_row(static_cast<TensorType>(t.type), data->data(), values.data(), t.n_elements);
  double sum = 0.0;
  double sq = 0.0;
  for (float v : values) {
    sum += v;
    sq += double(v) * v;
  }
  *mean = sum / values.size();
  *stddev = std::sqrt(sq / values.size() - *mean * *mean);
}

TEST(RandomModel, EveryEngineTypeRoundTrips) {
  TempDir dir;
  for (TensorType type :
       {TensorType::kF32, TensorType::kF16, TensorType::kBF16, TensorType::kQ8_0, TensorType::kQ4_0,
        TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K}) {
    const std::string name = tensor_type_name(static_cast<uint32_t>(type));
    SCOPED_TRACE(name);
    const fs::path path = dir.path() / (name + ".gguf");
    auto report = write_random_model(small_spec(type), path);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_TRUE(report->fallbacks.empty());
    EXPECT_EQ(report->file_bytes, fs::file_size(path));
    EXPECT_FALSE(fs::exists(path.string() + ".partial"));

    auto f = GgufFile::open(path);
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_EQ(f->version(), 3u);
    EXPECT_EQ(f->data_offset() % f->alignment(), 0u);
    auto p = read_model_params(*f);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->architecture, "llama");
    EXPECT_EQ(p->n_embd, 256u);
    EXPECT_EQ(p->n_layer, 2u);
    EXPECT_EQ(p->n_head, 4u);
    EXPECT_EQ(p->n_head_kv, 2u);
    EXPECT_EQ(p->head_dim, 64u);
    EXPECT_EQ(p->n_rot, 64u);
    EXPECT_EQ(p->n_ff, 512u);
    EXPECT_EQ(p->n_vocab, 300u);
    EXPECT_EQ(p->n_ctx_train, 1024u);

    ASSERT_EQ(f->tensors().size(), 3u + 2u * 9u);
    uint64_t params = 0;
    for (const auto& t : f->tensors()) {
      params += static_cast<uint64_t>(t.n_elements);
      EXPECT_EQ(t.file_offset % f->alignment(), 0u) << t.name;
      const bool is_norm = t.shape.size() == 1;
      EXPECT_EQ(t.type, is_norm ? 0u : static_cast<uint32_t>(type)) << t.name;
    }
    EXPECT_EQ(params, report->n_params);
    const GgufTensorInfo* q = f->find_tensor("blk.1.attn_q.weight");
    const GgufTensorInfo* k = f->find_tensor("blk.0.attn_k.weight");
    const GgufTensorInfo* down = f->find_tensor("blk.0.ffn_down.weight");
    const GgufTensorInfo* out = f->find_tensor("output.weight");
    const GgufTensorInfo* emb = f->find_tensor("token_embd.weight");
    const GgufTensorInfo* norm = f->find_tensor("blk.1.ffn_norm.weight");
    ASSERT_TRUE(q && k && down && out && emb && norm);
    EXPECT_EQ(q->shape, (std::vector<int64_t>{256, 256}));
    EXPECT_EQ(k->shape, (std::vector<int64_t>{256, 128}));
    EXPECT_EQ(down->shape, (std::vector<int64_t>{512, 256}));
    EXPECT_EQ(out->shape, (std::vector<int64_t>{256, 300}));
    EXPECT_EQ(emb->shape, (std::vector<int64_t>{256, 300}));

    // Weights ~ N(0, 1/fan_in): the quantisation error of these types is well under the 6%
    // allowed on the standard deviation.
    double mean = 0.0;
    double sd = 0.0;
    tensor_stats(*f, *down, &mean, &sd);
    EXPECT_NEAR(mean, 0.0, 0.01 / std::sqrt(512.0) * 10);
    EXPECT_NEAR(sd, 1.0 / std::sqrt(512.0), 0.06 / std::sqrt(512.0));
    tensor_stats(*f, *emb, &mean, &sd);
    EXPECT_NEAR(sd, 1.0, 0.06);
    tensor_stats(*f, *norm, &mean, &sd);
    EXPECT_NEAR(mean, 1.0, 0.005);
    EXPECT_NEAR(sd, 0.01, 0.003);

    auto tok = Tokenizer::from_gguf(*f);
    ASSERT_TRUE(tok) << tok.error().message;
    EXPECT_EQ(tok->n_vocab(), 300u);
    const auto ids = tok->encode("hello, world", true);
    EXPECT_EQ(ids.front(), 1);
    EXPECT_EQ(tok->decode(ids), "hello, world");
  }
}

TEST(RandomModel, SameSeedSameBytesWhateverTheThreadCount) {
  TempDir dir;
  RandomModelSpec s = small_spec(TensorType::kQ4_K);
  s.threads = 1;
  ASSERT_TRUE(write_random_model(s, dir.path() / "a.gguf"));
  s.threads = 3;
  ASSERT_TRUE(write_random_model(s, dir.path() / "b.gguf"));
  s.seed = 12;
  ASSERT_TRUE(write_random_model(s, dir.path() / "c.gguf"));
  const auto a = read_bytes(dir.path() / "a.gguf");
  EXPECT_EQ(a, read_bytes(dir.path() / "b.gguf"));
  const auto c = read_bytes(dir.path() / "c.gguf");
  ASSERT_EQ(a.size(), c.size());
  EXPECT_NE(a, c);
}

TEST(RandomModel, Qwen2WithBiasesHeadDimAndTiedEmbeddings) {
  TempDir dir;
  RandomModelSpec s = small_spec(TensorType::kQ8_0);
  s.arch = "qwen2";
  s.head_dim = 96;  // not n_embd / n_head, as in Sarashina or llm-jp
  s.tied_embeddings = true;
  s.rope_freq_base = 1e6f;
  s.rms_eps = 1e-6f;
  const fs::path path = dir.path() / "qwen2.gguf";
  auto report = write_random_model(s, path);
  ASSERT_TRUE(report) << report.error().message;
  auto f = GgufFile::open(path);
  ASSERT_TRUE(f);
  auto p = read_model_params(*f);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->architecture, "qwen2");
  EXPECT_EQ(p->head_dim, 96u);
  EXPECT_EQ(p->head_dim_v, 96u);
  EXPECT_FLOAT_EQ(p->rope_freq_base, 1e6f);
  EXPECT_FLOAT_EQ(p->rms_eps, 1e-6f);
  EXPECT_EQ(f->find_tensor("output.weight"), nullptr);
  const GgufTensorInfo* bq = f->find_tensor("blk.1.attn_q.bias");
  const GgufTensorInfo* bk = f->find_tensor("blk.1.attn_k.bias");
  ASSERT_TRUE(bq && bk);
  EXPECT_EQ(bq->shape, (std::vector<int64_t>{4 * 96}));
  EXPECT_EQ(bk->shape, (std::vector<int64_t>{2 * 96}));
  EXPECT_EQ(f->find_tensor("blk.0.attn_output.weight")->shape, (std::vector<int64_t>{4 * 96, 256}));
}

TEST(RandomModel, VocabularyCopiedFromAnotherFile) {
  TempDir dir;
  const fs::path vocab = test::data_path("llm/vocab/ggml-vocab-llama-spm.gguf");
  RandomModelSpec s = small_spec(TensorType::kQ4_0);
  s.n_embd = 64;
  s.n_head = 2;
  s.n_head_kv = 1;
  s.n_ff = 128;
  s.n_layer = 1;
  s.n_vocab = 0;
  s.vocab_from = vocab;
  s.chat_template = "{% for m in messages %}<|im_start|>{% endfor %}";
  const fs::path path = dir.path() / "spm.gguf";
  auto report = write_random_model(s, path);
  ASSERT_TRUE(report) << report.error().message;
  auto f = GgufFile::open(path);
  auto src = GgufFile::open(vocab);
  ASSERT_TRUE(f && src);
  auto p = read_model_params(*f);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->n_vocab, *src->get_array_size("tokenizer.ggml.tokens"));
  EXPECT_EQ(f->find_tensor("token_embd.weight")->shape[1], static_cast<int64_t>(p->n_vocab));
  auto t1 = Tokenizer::from_gguf(*src);
  auto t2 = Tokenizer::from_gguf(*f);
  ASSERT_TRUE(t1 && t2);
  EXPECT_EQ(t1->encode("The quick brown fox, 日本語", true),
            t2->encode("The quick brown fox, 日本語", true));
  EXPECT_EQ(*f->get_string("tokenizer.chat_template"), s.chat_template);

  s.n_vocab = 1000;  // disagrees with the file
  auto e = write_random_model(s, dir.path() / "bad.gguf");
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("disagrees"), std::string::npos);
  s.n_vocab = 0;
  s.vocab_from = dir.path() / "missing.gguf";
  EXPECT_FALSE(write_random_model(s, dir.path() / "bad.gguf"));
  EXPECT_FALSE(fs::exists(dir.path() / "bad.gguf"));
}

TEST(RandomModel, RowLengthsTheTypeCannotHoldFallBackAndAreReported) {
  TempDir dir;
  RandomModelSpec s = small_spec(TensorType::kQ4_K);
  s.n_ff = 640;  // ffn_down rows of 640: not a multiple of 256, but of 32
  auto report = write_random_model(s, dir.path() / "fb.gguf");
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->fallbacks.size(), 2u);
  EXPECT_NE(report->fallbacks[0].find("blk.0.ffn_down.weight"), std::string::npos);
  auto f = GgufFile::open(dir.path() / "fb.gguf");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->find_tensor("blk.0.ffn_down.weight")->type,
            static_cast<uint32_t>(TensorType::kQ8_0));
  EXPECT_EQ(f->find_tensor("blk.0.ffn_up.weight")->type, static_cast<uint32_t>(TensorType::kQ4_K));
}

TEST(RandomModel, GeneratedVocabularyReachesLongPieces) {
  TempDir dir;
  RandomModelSpec s = small_spec(TensorType::kF16);
  s.n_embd = 32;
  s.n_head = 2;
  s.n_head_kv = 2;
  s.n_ff = 64;
  s.n_layer = 1;
  s.n_vocab = 2000;  // single characters, all pairs and some triples over "▁a..z"
  auto report = write_random_model(s, dir.path() / "v.gguf");
  ASSERT_TRUE(report) << report.error().message;
  auto f = GgufFile::open(dir.path() / "v.gguf");
  ASSERT_TRUE(f);
  auto tok = Tokenizer::from_gguf(*f);
  ASSERT_TRUE(tok) << tok.error().message;
  EXPECT_EQ(tok->n_vocab(), 2000u);
  EXPECT_EQ(tok->token_text(3), "<0x00>");
  EXPECT_EQ(tok->token_kind(258), TokenKind::kByte);
  // "▁ab" is a three-character piece: one token.
  const auto ids = tok->encode("ab", false);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(tok->token_text(ids[0]),
            "\xE2\x96\x81"
            "ab");
  // Anything else still round-trips through byte fallback.
  EXPECT_EQ(tok->decode(tok->encode("日本 xyz!", true)), "日本 xyz!");
}

TEST(RandomModel, InvalidSpecsAreErrorsNamingTheField) {
  auto expect_error = [](RandomModelSpec s, const std::string& field) {
    Status st = validate(s);
    ASSERT_FALSE(st) << field;
    EXPECT_NE(st.message().find(field), std::string::npos) << st.message();
  };
  RandomModelSpec s = small_spec(TensorType::kF32);
  ASSERT_TRUE(validate(s));
  s.arch = "gpt2";
  expect_error(s, "arch");
  s = small_spec(TensorType::kF32);
  s.n_head_kv = 3;
  expect_error(s, "n_head_kv");
  s = small_spec(TensorType::kF32);
  s.n_vocab = 100;
  expect_error(s, "vocab");
  s = small_spec(TensorType::kF32);
  s.n_embd = 250;
  expect_error(s, "n_embd");
  s = small_spec(TensorType::kF32);
  s.head_dim = 33;
  expect_error(s, "head_dim");
  s = small_spec(TensorType::kF32);
  s.n_layer = 0;
  expect_error(s, "n_layer");
  s = small_spec(TensorType::kQ4_1);
  expect_error(s, "type");
  EXPECT_FALSE(engine_tensor_type_from_name("Q4_1"));
  EXPECT_EQ(*engine_tensor_type_from_name("q4_k"), TensorType::kQ4_K);
  TempDir dir;
  EXPECT_FALSE(write_random_model(small_spec(TensorType::kF32), dir.path() / "no" / "x.gguf"));
}

}  // namespace
}  // namespace airan::llm
