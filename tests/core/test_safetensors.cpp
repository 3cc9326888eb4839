// The safetensors format against its specification: the 8-byte little-endian header length,
// the JSON header (dtype names, shapes, data_offsets contiguous from 0 to the end of the data,
// optional __metadata__ of strings), the header padded with spaces to 8-byte alignment; files
// written by hand (as another writer would) read back; every malformed file is refused with a
// message naming its problem.
#include <QtTest>

#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/train/safetensors.h"

using namespace moe::core;

namespace {

std::uint64_t headerLength(const std::string& blob) {
  std::uint64_t n = 0;
  std::memcpy(&n, blob.data(), 8);
  return n;
}

// A file as another writer would make it: header text as given (no padding), then data.
std::string rawFile(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[std::size_t(i)] = char((n >> (8 * i)) & 0xff);  // little-endian
  return out + header + data;
}

std::string floatBytes(std::initializer_list<float> v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), std::data(v), s.size());
  return s;
}

}  // namespace

class TestSafetensors : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void layoutFollowsTheSpecification();
  void exactBytesOfASmallFile();
  void readsFilesOfOtherWriters();
  void roundTripsEveryValue();
  void dtypeNames();
  void refusesMalformedFiles_data();
  void refusesMalformedFiles();
  void refusesToWriteInconsistentTensors();
  void fileRoundTripAndMissingFile();
};

void TestSafetensors::layoutFollowsTheSpecification() {
  SafeTensors f;
  f.metadata = {{"format", "pt"}};
  f.tensors.push_back(f32Tensor("experts.0.fc1.weight", {3, 2}, {1, 2, 3, 4, 5, 6}));
  f.tensors.push_back(f32Tensor("router.bias", {3}, {0.5f, -0.5f, 0.25f}));
  f.tensors.push_back(i32Tensor("labels", {2}, {7, 9}));
  f.tensors.push_back(f32Tensor("empty", {0, 4}, {}));
  const std::string blob = encodeSafetensors(f);
  const std::uint64_t n = headerLength(blob);
  QVERIFY(8 + n <= blob.size());
  QCOMPARE((8 + n) % 8, std::uint64_t(0));  // the data starts 8-byte aligned
  const std::string header = blob.substr(8, std::size_t(n));
  QCOMPARE(header.front(), '{');
  const std::size_t close = header.rfind('}');
  QVERIFY(header.find_first_not_of(' ', close + 1) == std::string::npos);  // padded with spaces
  QVERIFY(header.size() - close - 1 < 8);
  const nlohmann::json j = nlohmann::json::parse(header);
  QCOMPARE(j["__metadata__"]["format"].get<std::string>(), std::string("pt"));
  // Offsets contiguous from 0, in range, each spanning dtype size x elements.
  std::int64_t at = 0;
  for (const SafeTensor& t : f.tensors) {
    const auto& e = j[t.name];
    QCOMPARE(e["dtype"].get<std::string>(), t.dtype);
    QCOMPARE(e["shape"].get<std::vector<std::int64_t>>(), t.shape);
    QCOMPARE(e["data_offsets"][0].get<std::int64_t>(), at);
    at += t.elements() * dtypeSize(t.dtype);
    QCOMPARE(e["data_offsets"][1].get<std::int64_t>(), at);
    QCOMPARE(e.size(), std::size_t(3));
  }
  QCOMPARE(std::int64_t(blob.size()) - 8 - std::int64_t(n), at);
  QCOMPARE(j.size(), f.tensors.size() + 1);
}

void TestSafetensors::exactBytesOfASmallFile() {
  SafeTensors f;
  f.tensors.push_back(f32Tensor("a", {2}, {1.0f, 2.0f}));
  const std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  QCOMPARE(header.size(), std::size_t(54));
  const std::string want = rawFile(header + "  ", floatBytes({1.0f, 2.0f}));  // 54 + 2 = 56
  QCOMPARE(encodeSafetensors(f), want);
  QCOMPARE(int(std::uint8_t(want[0])), 56);
  // An empty file is a header "{}" padded to 8.
  QCOMPARE(encodeSafetensors({}), rawFile("{}      ", ""));
}

void TestSafetensors::readsFilesOfOtherWriters() {
  // Unpadded header, keys in another order than the data, metadata last, a 3-D tensor.
  const std::string header =
      R"({"w":{"shape":[1,2,1],"dtype":"F32","data_offsets":[8,16]},)"
      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"k":"v"}})";
  const SafeTensors f =
      decodeSafetensors(rawFile(header, floatBytes({1, 2, 3, 4})), "hand-made");
  QCOMPARE(f.tensors.size(), std::size_t(2));
  QCOMPARE(f.tensors[0].name, std::string("b"));  // in data order
  QCOMPARE(f.tensors[0].floats(), (std::vector<float>{1, 2}));
  QCOMPARE(f.find("w")->floats(), (std::vector<float>{3, 4}));
  QCOMPARE(f.find("w")->shape, (std::vector<std::int64_t>{1, 2, 1}));
  QCOMPARE(f.metadata.at("k"), std::string("v"));
  QVERIFY(f.find("nothing") == nullptr);
  // A scalar (shape []) takes one element.
  const SafeTensors s = decodeSafetensors(
      rawFile(R"({"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]}})", std::string(8, '\0')),
      "scalar");
  QCOMPARE(s.tensors[0].elements(), std::int64_t(1));
}

void TestSafetensors::roundTripsEveryValue() {
  SafeTensors f;
  f.metadata = {{"a", "1"}, {"b", "two"}};
  std::vector<float> v(1000);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(i) * 0.37f - 100.0f;
  v[3] = -0.0f;
  v[4] = 1e-40f;  // a denormal survives
  f.tensors.push_back(f32Tensor("x", {10, 100}, v));
  f.tensors.push_back(i32Tensor("n", {3}, {-1, 0, 2147483647}));
  const SafeTensors back = decodeSafetensors(encodeSafetensors(f), "round trip");
  QCOMPARE(back.metadata, f.metadata);
  QCOMPARE(back.tensors.size(), std::size_t(2));
  QCOMPARE(back.tensors[0].bytes, f.tensors[0].bytes);
  QCOMPARE(back.tensors[1].bytes, f.tensors[1].bytes);
  QVERIFY(std::signbit(back.tensors[0].floats()[3]));
}

void TestSafetensors::dtypeNames() {
  for (const char* d : {"BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3"}) QCOMPARE(dtypeSize(d), 1);
  for (const char* d : {"I16", "U16", "F16", "BF16"}) QCOMPARE(dtypeSize(d), 2);
  for (const char* d : {"I32", "U32", "F32"}) QCOMPARE(dtypeSize(d), 4);
  for (const char* d : {"I64", "U64", "F64"}) QCOMPARE(dtypeSize(d), 8);
  for (const char* d : {"f32", "FLOAT32", "float", "", "F128"}) QCOMPARE(dtypeSize(d), 0);
  // Another dtype is read, but not as floats.
  const SafeTensors f = decodeSafetensors(
      rawFile(R"({"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", std::string(4, '\0')),
      "f16");
  QVERIFY_THROWS_EXCEPTION(SafetensorsError, f.tensors[0].floats());
}

void TestSafetensors::refusesMalformedFiles_data() {
  QTest::addColumn<QByteArray>("bytes");
  QTest::addColumn<QString>("message");
  const auto file = [](const std::string& header, const std::string& data) {
    const std::string b = rawFile(header, data);
    return QByteArray(b.data(), qsizetype(b.size()));
  };
  const auto entry = [](const char* name, const char* dtype, const char* shape, int b, int e) {
    std::string s(1, '"');  // appends only: GCC 12 warns (-Wrestrict) on "literal" + string
    s.append(name).append("\":{\"dtype\":\"").append(dtype).append("\",\"shape\":").append(shape);
    s.append(",\"data_offsets\":[").append(std::to_string(b)).append(",").append(std::to_string(e));
    return s.append("]}");
  };
  const auto object = [](std::initializer_list<std::string> entries) {
    std::string s(1, '{');
    for (const std::string& e : entries) s.append(s.size() > 1 ? "," : "").append(e);
    return s.append("}");
  };
  const std::string eight(8, '\0');
  QTest::newRow("empty") << QByteArray() << "less than the 8-byte header length";
  QTest::newRow("5 bytes") << QByteArray("\x10\0\0\0\0", 5) << "truncated";
  QTest::newRow("header past the end") << QByteArray("\x40\0\0\0\0\0\0\0{}", 10)
                                       << "header length 64 runs past the end";
  QTest::newRow("huge header length") << QByteArray("\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10)
                                      << "over the format's limit";
  QTest::newRow("not an object") << file("[1,2]", "") << "does not start with '{'";
  QTest::newRow("bad JSON") << file("{\"a\":", "") << "not valid JSON";
  QTest::newRow("unknown dtype") << file(object({entry("a", "F33", "[2]", 0, 8)}), eight)
                                 << "tensor 'a' has an unknown dtype \"F33\"";
  QTest::newRow("lowercase dtype") << file(object({entry("a", "f32", "[2]", 0, 8)}), eight)
                                   << "unknown dtype";
  QTest::newRow("negative size") << file(object({entry("a", "F32", "[-2]", 0, 8)}), eight)
                                 << "sizes must be whole numbers >= 0";
  QTest::newRow("fractional size") << file(object({entry("a", "F32", "[2.5]", 0, 8)}), eight)
                                   << "sizes must be whole numbers >= 0";
  QTest::newRow("shape not a list") << file(object({entry("a", "F32", "2", 0, 8)}), eight)
                                    << "not a list of sizes";
  QTest::newRow("offsets reversed") << file(object({entry("a", "F32", "[0]", 8, 0)}), eight)
                                    << "end before they begin";
  QTest::newRow("shape and offsets disagree")
      << file(object({entry("a", "F32", "[3]", 0, 8)}), eight)
      << "shape [3] of F32 takes 12 bytes, but its data_offsets [0,8] span 8";
  QTest::newRow("wrong dtype for the bytes")
      << file(object({entry("a", "F64", "[2]", 0, 8)}), eight) << "takes 16 bytes";
  QTest::newRow("out of range") << file(object({entry("a", "F32", "[4]", 0, 16)}), eight)
                                << "tensor 'a' ends at byte 16 of the data, past its end at 8";
  QTest::newRow("overlap")
      << file(object({entry("a", "F32", "[2]", 0, 8), entry("b", "F32", "[1]", 4, 8)}), eight)
      << "tensor 'b' [4, 8) overlaps tensor 'a' [0, 8)";
  QTest::newRow("gap") << file(object({entry("a", "F32", "[1]", 4, 8)}), eight)
                       << "4 unused bytes before tensor 'a'";
  QTest::newRow("trailing bytes") << file(object({entry("a", "F32", "[1]", 0, 4)}), eight)
                                  << "4 bytes after the last tensor belong to none";
  QTest::newRow("missing offsets")
      << file(R"({"a":{"dtype":"F32","shape":[1]}})", "") << "tensor 'a' has no 'data_offsets'";
  QTest::newRow("unknown key")
      << file(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0],"x":1}})", "")
      << "unknown key 'x'";
  QTest::newRow("entry not an object") << file(R"({"a":3})", "") << "not an object";
  QTest::newRow("metadata not strings")
      << file(R"({"__metadata__":{"n":1}})", "") << "__metadata__ 'n' is 1, not a string";
  QTest::newRow("one offset") << file(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0]}})", "")
                              << "not two whole numbers";
}

void TestSafetensors::refusesMalformedFiles() {
  QFETCH(QByteArray, bytes);
  QFETCH(QString, message);
  try {
    decodeSafetensors(std::string_view(bytes.constData(), std::size_t(bytes.size())), "'f'");
    QFAIL("accepted");
  } catch (const SafetensorsError& e) {
    QVERIFY2(QString(e.what()).contains(message), e.what());
    QVERIFY2(QString(e.what()).startsWith("'f'"), e.what());
  }
}

void TestSafetensors::refusesToWriteInconsistentTensors() {
  SafeTensors twice;
  twice.tensors = {f32Tensor("a", {1}, {1}), f32Tensor("a", {1}, {2})};
  QVERIFY_THROWS_EXCEPTION(SafetensorsError, encodeSafetensors(twice));
  SafeTensors reserved;
  reserved.tensors = {f32Tensor("__metadata__", {1}, {1})};
  QVERIFY_THROWS_EXCEPTION(SafetensorsError, encodeSafetensors(reserved));
  SafeTensors mismatch;
  mismatch.tensors = {f32Tensor("a", {3}, {1, 2})};
  QVERIFY_THROWS_EXCEPTION(SafetensorsError, encodeSafetensors(mismatch));
  SafeTensors dtype;
  dtype.tensors = {SafeTensor{"a", "F31", {1}, std::string(4, '\0')}};
  QVERIFY_THROWS_EXCEPTION(SafetensorsError, encodeSafetensors(dtype));
}

void TestSafetensors::fileRoundTripAndMissingFile() {
  QTemporaryDir dir;
  const std::string path = (dir.path() + "/m.safetensors").toStdString();
  SafeTensors f;
  f.tensors.push_back(f32Tensor("w", {2, 2}, {1, 2, 3, 4}));
  writeSafetensors(path, f);
  QVERIFY(!QFile::exists(QString::fromStdString(path + ".tmp")));
  QCOMPARE(readSafetensors(path).tensors[0].floats(), (std::vector<float>{1, 2, 3, 4}));
  try {
    readSafetensors(path + ".none");
    QFAIL("read a missing file");
  } catch (const SafetensorsError& e) {
    QVERIFY(QString(e.what()).contains("cannot open"));
  }
  try {
    readSafetensors(dir.path().toStdString());
    QFAIL("read a folder");
  } catch (const SafetensorsError& e) {
    QVERIFY(QString(e.what()).contains("is a folder"));
  }
  // Truncating a written file is caught.
  std::string blob = encodeSafetensors(f);
  blob.resize(blob.size() - 3);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << blob;
  QVERIFY_THROWS_EXCEPTION(SafetensorsError, readSafetensors(path));
}

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
