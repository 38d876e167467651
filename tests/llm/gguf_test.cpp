// GGUF reader: the shared model files, a hand-built file with every value type, and corrupted or
// truncated copies (each must be an error naming the byte offset, never a crash).
#include "airan/llm/gguf.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "airan/llm/model_params.h"
#include "gguf_builder.h"
#include "test_data.h"

namespace airan::llm {
namespace {

using test::GgufBuilder;

std::vector<uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// A small file with every metadata value type, nested arrays, a custom alignment and two tensors.
GgufBuilder full_file() {
  GgufBuilder b;
  b.header(2, 17);
  b.kv_str("general.architecture", "llama");
  b.str("v.u8").u32(0).u8(200);
  b.str("v.i8").u32(1).raw<int8_t>(-5);
  b.str("v.u16").u32(2).raw<uint16_t>(60000);
  b.str("v.i16").u32(3).raw<int16_t>(-30000);
  b.kv_u32("v.u32", 4000000000u);
  b.str("v.i32").u32(5).raw<int32_t>(-2000000000);
  b.kv_f32("v.f32", 1.5f);
  b.kv_bool("v.bool", true);
  b.str("v.u64").u32(10).u64(1ULL << 40);
  b.str("v.i64").u32(11).raw<int64_t>(-(1LL << 40));
  b.str("v.f64").u32(12).raw<double>(2.25);
  b.str("v.f32s").u32(9).u32(6).u64(3).raw(1.0f).raw(-2.0f).raw(3.5f);
  b.str("v.strs").u32(9).u32(8).u64(2).str("a").str("bc");
  // [[1, 2], [3]] as an array of arrays of i32.
  b.str("v.nested").u32(9).u32(9).u64(2);
  b.u32(5).u64(2).raw<int32_t>(1).raw<int32_t>(2);
  b.u32(5).u64(1).raw<int32_t>(3);
  b.str("v.i32s").u32(9).u32(5).u64(3).raw<int32_t>(7).raw<int32_t>(-8).raw<int32_t>(9);
  b.kv_u32("general.alignment", 64);
  b.tensor("a", {32, 2}, 8, 0);  // Q8_0: 2 blocks of 34 bytes
  b.tensor("b", {4}, 0, 128);    // F32: 16 bytes
  b.pad_to(64);
  b.fill(128, 0x11).fill(16, 0x22);
  return b;
}

TEST(Gguf, ReadsEveryValueType) {
  const GgufBuilder b = full_file();
  auto f = GgufFile::parse(b.bytes, "full");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->alignment(), 64u);
  EXPECT_EQ(f->metadata().size(), 17u);
  EXPECT_EQ(*f->get_string("general.architecture"), "llama");
  EXPECT_EQ(f->find("v.u8")->value.u64, 200u);
  EXPECT_EQ(f->find("v.i8")->value.i64, -5);
  EXPECT_EQ(f->find("v.u16")->value.u64, 60000u);
  EXPECT_EQ(f->find("v.i16")->value.i64, -30000);
  EXPECT_EQ(*f->get_u32("v.u32"), 4000000000u);
  EXPECT_EQ(*f->get_i32("v.i32"), -2000000000);
  EXPECT_FLOAT_EQ(*f->get_f32("v.f32"), 1.5f);
  EXPECT_TRUE(*f->get_bool("v.bool"));
  EXPECT_EQ(*f->get_u64("v.u64"), 1ULL << 40);
  EXPECT_EQ(f->find("v.i64")->value.i64, -(1LL << 40));
  EXPECT_FLOAT_EQ(*f->get_f32("v.f64"), 2.25f);
  EXPECT_EQ(*f->get_f32_array("v.f32s"), (std::vector<float>{1.0f, -2.0f, 3.5f}));
  auto strs = f->get_string_array("v.strs");
  ASSERT_TRUE(strs);
  ASSERT_EQ(strs->size(), 2u);
  EXPECT_EQ((*strs)[1], "bc");
  const GgufValue& nested = f->find("v.nested")->value;
  ASSERT_EQ(nested.arrays.size(), 2u);
  EXPECT_EQ(nested.arrays[0].count, 2u);
  EXPECT_EQ(nested.arrays[0].number_at(1), 2.0);
  EXPECT_EQ(nested.arrays[1].number_at(0), 3.0);
  EXPECT_EQ(*f->get_i32_array("v.i32s"), (std::vector<int32_t>{7, -8, 9}));
  // Integer accessors take any integer type whose value fits.
  EXPECT_EQ(*f->get_u32("v.u8"), 200u);
  EXPECT_EQ(*f->get_i32("v.i16"), -30000);

  ASSERT_EQ(f->tensors().size(), 2u);
  const GgufTensorInfo* a = f->find_tensor("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{32, 2}));
  EXPECT_EQ(a->n_bytes, 68u);
  EXPECT_EQ(a->file_offset % 64, 0u);
  EXPECT_EQ(f->data_offset() % 64, 0u);
  auto a_data = f->tensor_data(*a);
  ASSERT_TRUE(a_data);
  EXPECT_EQ(a_data->size(), 68u);
  EXPECT_EQ((*a_data)[0], 0x11);
  auto b_data = f->tensor_data(*f->find_tensor("b"));
  ASSERT_TRUE(b_data);
  EXPECT_EQ((*b_data)[0], 0x22);
  EXPECT_EQ(f->find_tensor("b")->data_offset, 128u);
}

TEST(Gguf, TypedAccessorsReportWrongTypeAndMissingKeys) {
  const GgufBuilder b = full_file();
  auto f = GgufFile::parse(b.bytes, "full");
  ASSERT_TRUE(f);
  auto s = f->get_u32("general.architecture");
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.error().message, "general.architecture")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, "string")) << s.error().message;
  EXPECT_TRUE(contains(s.error().message, "byte ")) << s.error().message;
  auto m = f->get_string("no.such.key");
  ASSERT_FALSE(m);
  EXPECT_TRUE(contains(m.error().message, "no.such.key"));
  EXPECT_FALSE(f->get_bool("v.u32"));
  EXPECT_FALSE(f->get_f32_array("v.strs"));
  EXPECT_FALSE(f->get_string_array("v.f32s"));
  auto neg = f->get_u32("v.i8");
  ASSERT_FALSE(neg);
  EXPECT_TRUE(contains(neg.error().message, "negative")) << neg.error().message;
  auto big = f->get_u32("v.u64");
  ASSERT_FALSE(big);
  EXPECT_TRUE(contains(big.error().message, "u32")) << big.error().message;
  EXPECT_FALSE(f->get_i32("v.u32"));  // 4e9 does not fit
  EXPECT_EQ(*f->get_u32_or("absent", 7), 7u);
  EXPECT_FALSE(f->get_u32_or("v.strs", 7));  // present with the wrong type is still an error
}

TEST(Gguf, SharedModelsLoad) {
  for (const char* name : {"stories260K.gguf", "stories260K-Q8_0.gguf", "stories260K-Q4_0.gguf",
                           "synthetic-tiny-256-Q8_0.gguf", "synthetic-tiny-256-Q4_0.gguf",
                           "synthetic-tiny-256-Q4_K.gguf"}) {
    SCOPED_TRACE(name);
    auto f = GgufFile::open(test::data_path(std::string("llm/models/") + name));
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_EQ(*f->get_string("general.architecture"), "llama");
    EXPECT_FALSE(f->tensors().empty());
    uint64_t end = 0;
    for (const auto& t : f->tensors()) {
      EXPECT_TRUE(t.type_known()) << t.name;
      auto d = f->tensor_data(t);
      ASSERT_TRUE(d) << d.error().message;
      EXPECT_EQ(d->size(), t.n_bytes);
      end = std::max(end, t.file_offset + t.n_bytes);
    }
    EXPECT_LE(end, f->file_size());
    auto p = read_model_params(*f);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->n_vocab, 512u);
    EXPECT_EQ(p->n_head, 8u);
    EXPECT_EQ(p->n_head_kv, 4u);
  }
}

TEST(Gguf, Stories260KMatchesItsReadme) {
  auto f = GgufFile::open(test::data_path("llm/models/stories260K.gguf"));
  ASSERT_TRUE(f) << f.error().message;
  auto p = read_model_params(*f);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->n_embd, 64u);
  EXPECT_EQ(p->n_layer, 5u);
  EXPECT_EQ(p->head_dim, 8u);
  EXPECT_EQ(p->n_ff, 172u);
  EXPECT_EQ(p->n_ctx_train, 2048u);
  EXPECT_FLOAT_EQ(p->rope_freq_base, 10000.0f);
  EXPECT_FLOAT_EQ(p->rms_eps, 1e-5f);
  const GgufTensorInfo* emb = f->find_tensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->type, static_cast<uint32_t>(TensorType::kF32));
  EXPECT_EQ(emb->shape, (std::vector<int64_t>{64, 512}));
  EXPECT_EQ(emb->n_bytes, 64u * 512 * 4);
  // output.weight is stored twice, byte for byte (README).
  const GgufTensorInfo* out = f->find_tensor("output.weight");
  ASSERT_NE(out, nullptr);
  auto a = f->tensor_data(*emb);
  auto b = f->tensor_data(*out);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(std::equal(a->begin(), a->end(), b->begin(), b->end()));
  // 2 (K and V) * 5 layers * 4 heads * 8 * 2 bytes per token.
  EXPECT_EQ(kv_cache_bytes(*p, 1, 2), 2u * 5 * 4 * 8 * 2);
}

TEST(Gguf, QuantisedModelsHaveTheTypesTheReadmeLists) {
  auto q8 = GgufFile::open(test::data_path("llm/models/stories260K-Q8_0.gguf"));
  ASSERT_TRUE(q8) << q8.error().message;
  EXPECT_EQ(q8->find_tensor("blk.0.ffn_down.weight")->type,
            static_cast<uint32_t>(TensorType::kF16));
  EXPECT_EQ(q8->find_tensor("blk.0.attn_q.weight")->type, static_cast<uint32_t>(TensorType::kQ8_0));
  auto q4k = GgufFile::open(test::data_path("llm/models/synthetic-tiny-256-Q4_K.gguf"));
  ASSERT_TRUE(q4k) << q4k.error().message;
  EXPECT_EQ(q4k->find_tensor("output.weight")->type, static_cast<uint32_t>(TensorType::kQ6_K));
  const GgufTensorInfo* q = q4k->find_tensor("blk.0.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->type, static_cast<uint32_t>(TensorType::kQ4_K));
  EXPECT_EQ(q->n_bytes, 256u * 256 / 256 * 144);
}

TEST(Gguf, VocabOnlyFilesLoad) {
  for (const char* name :
       {"ggml-vocab-llama-spm.gguf", "ggml-vocab-phi-3.gguf", "ggml-vocab-deepseek-llm.gguf",
        "ggml-vocab-deepseek-coder.gguf", "ggml-vocab-gpt-2.gguf"}) {
    SCOPED_TRACE(name);
    auto f = GgufFile::open(test::data_path(std::string("llm/vocab/") + name));
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_TRUE(f->tensors().empty());
    auto n = f->get_array_size("tokenizer.ggml.tokens");
    ASSERT_TRUE(n);
    EXPECT_GE(*n, 32000u);
  }
}

TEST(Gguf, MissingFileIsAnError) {
  auto f = GgufFile::open("/nonexistent/model.gguf");
  ASSERT_FALSE(f);
  EXPECT_TRUE(contains(f.error().message, "/nonexistent/model.gguf"));
}

// Each corruption must be refused with a message naming `field` and `byte N`.
struct Corruption {
  const char* what;
  GgufBuilder file;
  const char* field;
  uint64_t offset;
};

std::vector<Corruption> corruptions() {
  std::vector<Corruption> c;
  {
    GgufBuilder b;
    b.bytes = {'G', 'G', 'U', 'X'};
    b.u32(3).u64(0).u64(0);
    c.push_back({"bad magic", b, "magic", 0});
  }
  {
    GgufBuilder b;
    b.header(0, 0, 1);
    c.push_back({"version 1", b, "version 1", 4});
  }
  {
    GgufBuilder b;
    b.header(0, 0, 4);
    c.push_back({"version 4", b, "version 4", 4});
  }
  {
    GgufBuilder b;
    b.header(1ULL << 60, 0);
    c.push_back({"huge tensor count", b, "tensor count", 8});
  }
  {
    GgufBuilder b;
    b.header(0, 1ULL << 40);
    c.push_back({"huge metadata count", b, "metadata count", 16});
  }
  {
    GgufBuilder b;
    b.header(0, 1).u64(1ULL << 50).fill(20);
    c.push_back({"key length past end", b, "metadata key #0 length", 24});
  }
  {
    GgufBuilder b;
    b.header(0, 1).str("k").u32(13).u32(0);
    c.push_back({"unknown value type", b, "unknown value type 13", 33});
  }
  {
    GgufBuilder b;
    b.header(0, 1).str("k").u32(9).u32(4).u64(1ULL << 40).fill(8);
    c.push_back({"array count past end", b, "array of", 41});
  }
  {
    GgufBuilder b;
    b.header(0, 1).str("k").u32(9).u32(99).u64(1);
    c.push_back({"unknown array element type", b, "unknown array element type 99", 37});
  }
  {
    GgufBuilder b;
    b.header(0, 1).str("k").u32(8).u64(100).fill(10);
    c.push_back({"string value past end", b, "metadata \"k\" length", 37});
  }
  {
    GgufBuilder b;
    b.header(0, 1).str("k").u32(7).u8(2);
    c.push_back({"bool value 2", b, "bool value 2", 37});
  }
  {
    GgufBuilder b;
    b.header(0, 2).kv_u32("k", 1).kv_u32("k", 2);
    c.push_back({"duplicate key", b, "duplicate metadata key", 41});
  }
  {
    GgufBuilder b;
    b.header(0, 1).kv_u32("general.alignment", 48);
    c.push_back({"alignment not a power of two", b, "general.alignment 48", 24});
  }
  {
    GgufBuilder b;
    b.header(0, 1).kv_str("general.alignment", "32");
    c.push_back({"alignment of the wrong type", b, "general.alignment has type string", 24});
  }
  {
    // Ten levels of arrays of arrays.
    GgufBuilder b;
    b.header(0, 1).str("k").u32(9);
    for (int i = 0; i < 10; ++i) b.u32(9).u64(1);
    b.u32(4).u64(0);
    c.push_back({"arrays nested too deep", b, "nested deeper", 0});
  }
  {
    GgufBuilder b;
    b.header(1, 0).tensor("t", {1, 1, 1, 1, 1}, 0, 0).pad_to(32).fill(4);
    c.push_back({"five dimensions", b, "n_dims 5", 33});
  }
  {
    GgufBuilder b;
    b.header(1, 0).tensor("t", {4, 0}, 0, 0).pad_to(32).fill(16);
    c.push_back({"zero dimension", b, "dimension 1 is 0", 45});
  }
  {
    GgufBuilder b;
    b.header(1, 0).tensor("t", {1ULL << 40, 1ULL << 40}, 0, 0).pad_to(32);
    c.push_back({"element count overflow", b, "overflows", 45});
  }
  {
    GgufBuilder b;
    b.header(1, 0).tensor("t", {33}, 8, 0).pad_to(32).fill(64);
    c.push_back({"row not a multiple of the block", b, "row length 33", 33});
  }
  {
    GgufBuilder b;
    b.header(1, 0).tensor("t", {4}, 0, 16).pad_to(32).fill(64);
    c.push_back({"misaligned data offset", b, "not a multiple of the alignment", 49});
  }
  {
    GgufBuilder b;
    b.header(1, 0).tensor("t", {64}, 0, 0).pad_to(32).fill(100);
    c.push_back({"tensor data past the end", b, "lies outside the data section", 49});
  }
  {
    GgufBuilder b;
    b.header(2, 0).tensor("t", {8}, 0, 0).tensor("u", {8}, 0, 0).pad_to(32).fill(64);
    c.push_back({"overlapping tensors", b, "overlaps", 0});
  }
  {
    GgufBuilder b;
    b.header(2, 0).tensor("t", {8}, 0, 0).tensor("t", {8}, 0, 32).pad_to(32).fill(64);
    c.push_back({"duplicate tensor", b, "duplicate tensor name", 57});
  }
  return c;
}

TEST(Gguf, CorruptionsAreErrorsNamingTheFieldAndOffset) {
  for (const Corruption& c : corruptions()) {
    SCOPED_TRACE(c.what);
    auto f = GgufFile::parse(c.file.bytes, "corrupt");
    ASSERT_FALSE(f) << "accepted";
    const std::string& msg = f.error().message;
    EXPECT_TRUE(contains(msg, c.field)) << msg;
    if (c.offset) {
      EXPECT_TRUE(contains(msg, "byte " + std::to_string(c.offset) + ":")) << msg;
    } else {
      EXPECT_TRUE(contains(msg, "byte ")) << msg;
    }
  }
}

TEST(Gguf, UnknownTensorTypeLoadsButIsReportedWhenUsed) {
  GgufBuilder b;
  b.header(1, 0).tensor("odd", {16}, 77, 0).pad_to(32).fill(64);
  auto f = GgufFile::parse(b.bytes, "odd");
  ASSERT_TRUE(f) << f.error().message;
  const GgufTensorInfo& t = f->tensors()[0];
  EXPECT_FALSE(t.type_known());
  EXPECT_EQ(tensor_type_name(t.type), "unknown#77");
  auto d = f->tensor_data(t);
  ASSERT_FALSE(d);
  EXPECT_TRUE(contains(d.error().message, "odd")) << d.error().message;
  EXPECT_TRUE(contains(d.error().message, "77")) << d.error().message;
}

TEST(Gguf, EveryTruncationOfASmallFileIsAnError) {
  const GgufBuilder b = full_file();
  // Everything up to the end of the last tensor's data is needed.
  for (size_t n = 0; n < b.size(); ++n) {
    auto f = GgufFile::parse(std::span<const uint8_t>(b.bytes.data(), n), "cut");
    ASSERT_FALSE(f) << "a copy cut to " << n << " bytes was accepted";
    EXPECT_TRUE(contains(f.error().message, "byte ")) << f.error().message;
  }
}

TEST(Gguf, TruncatedCopiesOfARealModelAreErrors) {
  const auto src = test::data_path("llm/models/stories260K-Q4_0.gguf");
  const std::vector<uint8_t> bytes = read_bytes(src);
  ASSERT_GT(bytes.size(), 100000u);
  const auto dir =
      std::filesystem::temp_directory_path() / ("airan_gguf_trunc_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<size_t> cuts = {0, 3, 4, 7, 8, 15, 16, 23, 24, 30, 100, 1000, 5000, 20000};
  for (size_t n = 50000; n < bytes.size(); n += 37000) cuts.push_back(n);
  cuts.push_back(bytes.size() - 1);
  for (size_t n : cuts) {
    SCOPED_TRACE(n);
    const auto path = dir / ("cut_" + std::to_string(n) + ".gguf");
    {
      std::ofstream out(path, std::ios::binary);
      out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(n));
    }
    auto f = GgufFile::open(path);
    ASSERT_FALSE(f) << "accepted";
    EXPECT_TRUE(contains(f.error().message, path.string())) << f.error().message;
    EXPECT_TRUE(contains(f.error().message, "byte ")) << f.error().message;
  }
  std::filesystem::remove_all(dir);
}

TEST(Gguf, RandomCorruptionsNeverCrash) {
  // Flip bytes in the header, metadata and tensor table of a real model; the reader must either
  // accept the file with consistent tensors or return an error.
  const std::vector<uint8_t> original =
      read_bytes(test::data_path("llm/models/stories260K-Q4_0.gguf"));
  auto good = GgufFile::parse(original, "orig");
  ASSERT_TRUE(good) << good.error().message;
  const size_t table_end = static_cast<size_t>(good->data_offset());
  std::mt19937 rng(1234);
  int errors = 0;
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<uint8_t> bytes = original;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      const size_t pos = rng() % table_end;
      bytes[pos] = static_cast<uint8_t>(rng());
    }
    auto f = GgufFile::parse(bytes, "mutant");
    if (!f) {
      ++errors;
      EXPECT_TRUE(contains(f.error().message, "byte ")) << f.error().message;
      continue;
    }
    for (const auto& t : f->tensors()) {
      auto d = f->tensor_data(t);
      if (d) {
        EXPECT_LE(t.file_offset + t.n_bytes, bytes.size());
      }
    }
  }
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace airan::llm
