// Hand-off to PyTorch: the names and shapes a torch.nn user expects (Linear weights [out, in],
// biases [out], experts.e.fc1/fc2), the values transposed exactly, the JSON config of the
// architecture and its inference routing, a round trip through a file into a session built
// with another seed (the same weights, the same predictions), and files refused with the
// problem named (missing, extra, wrong shape, wrong dtype, non-finite) leaving the model as it was.
#include <QtTest>

#include <cmath>
#include <fstream>
#include <set>

#include "core/model/model.h"
#include "core/routing/router_registry.h"
#include "core/train/metrics.h"
#include "core/train/torch_export.h"
#include "core/train/torch_layout.h"
#include "tests/core/dataset_skips.h"
#include "tests/core/session_fixtures.h"

using namespace moe;
using namespace moe::core;

namespace {

using testing::makeSession;
using testing::paramValues;

TrainConfig small() { return testing::smallMoeConfig(16, 5); }

Parameter* paramNamed(Session& s, const std::string& name) {
  for (Parameter* p : s.model().parameters())
    if (p->name == name) return p;
  return nullptr;
}

std::map<std::string, std::vector<std::int64_t>> shapes(const SafeTensors& f) {
  std::map<std::string, std::vector<std::int64_t>> out;
  for (const SafeTensor& t : f.tensors) out[t.name] = t.shape;
  return out;
}

}  // namespace

class TestTorchExport : public QObject {
  Q_OBJECT

 private:
  std::shared_ptr<const DataSplits> mData;
  QTemporaryDir mDir;
  std::string path(const std::string& name) const { return mDir.path().toStdString() + "/" + name; }
  /** What importSafetensors says about `file`, "" when it loads; fails when a refusal changed
   *  the model. */
  QString importError(const SafeTensors& file);

 private Q_SLOTS:
  void initTestCase();
  void referenceModelNamesAndLayout();
  void configDescribesTheArchitecture();
  void inferenceRoutingOfEveryRouter();
  void roundTrip_data();
  void roundTrip();
  void refusesWhatDoesNotFit();
  void predictionsFile();
};

void TestTorchExport::initTestCase() {
  MOE_SKIP_WITHOUT_FASHION_MNIST();
  QVERIFY(mDir.isValid());
  mData = testing::smallFashionMnist();
}

void TestTorchExport::referenceModelNamesAndLayout() {
  auto s = makeSession(small(), mData);
  s->trainStep();
  exportSafetensors(*s, path("ref.safetensors"));
  const SafeTensors f = readSafetensors(path("ref.safetensors"));
  std::map<std::string, std::vector<std::int64_t>> want = {{"router.weight", {4, 784}},
                                                           {"router.bias", {4}}};
  for (int e = 0; e < 4; ++e) {
    const std::string x = "experts." + std::to_string(e);
    want[x + ".fc1.weight"] = {16, 784};
    want[x + ".fc1.bias"] = {16};
    want[x + ".fc2.weight"] = {10, 16};
    want[x + ".fc2.bias"] = {10};
  }
  QCOMPARE(shapes(f), want);
  QCOMPARE(f.metadata.at("format"), std::string("pt"));
  QCOMPARE(f.metadata.at("moe_explorer_config"), std::string("ref.json"));
  // Values: router.weight[e][i] is the gate's W[i][e]; experts.2.fc2.weight[c][h] is w2's
  // row 2 * 16 + h, column c; experts.3.fc1.bias is b1's row 3.
  const auto gate = compute::toHost(s->backend(), paramNamed(*s, "router.gate.weight")->value);
  const auto rw = f.find("router.weight")->floats();
  for (int e = 0; e < 4; ++e)
    for (int i = 0; i < 784; i += 97) QCOMPARE(rw[std::size_t(e * 784 + i)], gate[std::size_t(i * 4 + e)]);
  const auto w2 = compute::toHost(s->backend(), paramNamed(*s, "experts.w2")->value);
  const auto fc2 = f.find("experts.2.fc2.weight")->floats();
  for (int c = 0; c < 10; ++c)
    for (int h = 0; h < 16; ++h)
      QCOMPARE(fc2[std::size_t(c * 16 + h)], w2[std::size_t((2 * 16 + h) * 10 + c)]);
  const auto b1 = compute::toHost(s->backend(), paramNamed(*s, "experts.b1")->value);
  const auto fc1b = f.find("experts.3.fc1.bias")->floats();
  QCOMPARE(fc1b, std::vector<float>(b1.begin() + 48, b1.begin() + 64));
}

void TestTorchExport::configDescribesTheArchitecture() {
  TrainConfig c = small();
  c.model.kind = ModelKind::StemMoe;
  c.model.stemWidth = 12;
  c.model.sharedExperts = 1;
  c.model.expertSplit = 2;
  c.model.activation = compute::Activation::Gelu;
  auto s = makeSession(c, mData);
  exportSafetensors(*s, path("stem.safetensors"));
  std::ifstream in(path("stem.json"));
  const nlohmann::json j = nlohmann::json::parse(in);
  QCOMPARE(j["format"].get<std::string>(), std::string("moe-explorer-torch"));
  QCOMPARE(j["model"].get<std::string>(), std::string("stem-moe"));
  QCOMPARE(j["features"].get<int>(), 784);
  QCOMPARE(j["classes"].get<int>(), 10);
  QCOMPARE(j["stem_width"].get<int>(), 12);
  QCOMPARE(j["eval_batch_rows"].get<int>(), 1000);
  QCOMPARE(j["moe"]["experts"].get<int>(), 8);  // 4 experts split 2 ways
  QCOMPARE(j["moe"]["top_k"].get<int>(), 4);
  QCOMPARE(j["moe"]["expert_hidden"].get<int>(), 8);
  QCOMPARE(j["moe"]["shared_experts"].get<int>(), 1);
  QCOMPARE(j["moe"]["activation"].get<std::string>(), std::string("gelu"));
  QCOMPARE(j["moe"]["routing"]["selection"].get<std::string>(), std::string("topk"));
  QCOMPARE(j["moe"]["routing"]["k"].get<int>(), 4);
  QCOMPARE(j["moe"]["routing"]["renormalize"].get<bool>(), true);
  QCOMPARE(j["moe_train_config"]["stem_width"].get<int>(), 12);
  const auto f = shapes(readSafetensors(path("stem.safetensors")));
  QCOMPARE(f.at("stem.weight"), (std::vector<std::int64_t>{12, 784}));
  QCOMPARE(f.at("head.weight"), (std::vector<std::int64_t>{10, 12}));
  QCOMPARE(f.at("head.bias"), (std::vector<std::int64_t>{10}));
  QCOMPARE(f.at("experts.7.fc1.weight"), (std::vector<std::int64_t>{8, 12}));
  QCOMPARE(f.at("shared_experts.0.fc2.weight"), (std::vector<std::int64_t>{12, 8}));
  QCOMPARE(j["tensors"].size(), f.size());
  // Linear experts are nn.Linear themselves.
  TrainConfig lin = small();
  lin.model.expertHidden = 0;
  auto l = makeSession(lin, mData);
  exportSafetensors(*l, path("linear.safetensors"));
  QCOMPARE(shapes(readSafetensors(path("linear.safetensors"))).at("experts.1.weight"),
           (std::vector<std::int64_t>{10, 784}));
}

void TestTorchExport::inferenceRoutingOfEveryRouter() {
  for (const RouterEntry& r : routerRegistry()) {
    TrainConfig c = small();
    c.model.router = r.info.name;
    auto s = makeSession(c, mData);
    const nlohmann::json routing = torchConfig(*s)["moe"]["routing"];
    const std::string name = r.info.name;
    // Routers registered later (other branches) without an inference rule get null and a note.
    const std::set<std::string> known = {"topk", "noisy-topk", "base", "sinkhorn", "switch",
                                         "expert-choice", "dense", "soft-moe"};
    if (name == "hash" || !known.count(name)) {
      QVERIFY(routing.is_null());
      QVERIFY(!torchConfig(*s)["moe"]["routing_note"].get<std::string>().empty());
      continue;
    }
    QVERIFY2(routing.is_object(), r.info.name);
    const std::string sel = routing["selection"].get<std::string>();
    const std::string want = name == "switch"          ? "switch"
                             : name == "expert-choice" ? "expert-choice"
                             : name == "dense" || name == "soft-moe" ? "all"
                                                                     : "topk";
    QCOMPARE(sel, want);
    QCOMPARE(routing["renormalize"].get<bool>(), r.info.renormalises);
    QCOMPARE(routing["capacity_factor"].is_null(), !r.info.reads(RouterSetting::CapacityFactor));
  }
  // Random drops come from moe-train's noise stream: no rule to hand over.
  TrainConfig c = small();
  c.model.router = "switch";
  c.model.dropPolicy = DropPolicy::Random;
  auto s = makeSession(c, mData);
  QVERIFY(torchConfig(*s)["moe"]["routing"].is_null());
}

void TestTorchExport::roundTrip_data() {
  QTest::addColumn<QString>("model");
  QTest::addColumn<QString>("router");
  QTest::addColumn<int>("hidden");
  QTest::addColumn<int>("shared");
  QTest::addColumn<double>("biasRate");
  QTest::newRow("moe topk") << "moe" << "topk" << 16 << 0 << 0.0;
  QTest::newRow("moe switch, selection bias") << "moe" << "switch" << 16 << 0 << 0.01;
  QTest::newRow("moe noisy-topk") << "moe" << "noisy-topk" << 16 << 0 << 0.0;
  QTest::newRow("moe expert-choice, linear experts") << "moe" << "expert-choice" << 0 << 0 << 0.0;
  QTest::newRow("stem-moe shared experts") << "stem-moe" << "topk" << 16 << 2 << 0.0;
  QTest::newRow("dense-mlp") << "dense-mlp" << "topk" << 16 << 0 << 0.0;
}

void TestTorchExport::roundTrip() {
  QFETCH(QString, model);
  QFETCH(QString, router);
  QFETCH(int, hidden);
  QFETCH(int, shared);
  QFETCH(double, biasRate);
  TrainConfig c = small();
  c.model.kind = parseModel(model.toStdString());
  c.model.router = router.toStdString();
  c.model.expertHidden = hidden;
  c.model.sharedExperts = shared;
  c.model.biasUpdateRate = biasRate;
  c.model.stemWidth = 16;
  auto a = makeSession(c, mData);
  for (int i = 0; i < 3; ++i) a->trainStep();
  exportSafetensors(*a, path("rt.safetensors"));
  c.seed = 99;  // other initial weights, replaced by the file's
  auto b = makeSession(c, mData);
  QVERIFY(paramValues(*a) != paramValues(*b));
  importSafetensors(*b, path("rt.safetensors"));
  QCOMPARE(paramValues(*b), paramValues(*a));
  if (MoeLayer* moe = a->model().moe())
    QCOMPARE(b->model().moe()->router().state(), moe->router().state());
  if (biasRate > 0.0) QVERIFY(!a->model().moe()->router().selectionBias().empty());
  const auto ea = a->evaluate(), eb = b->evaluate();
  QCOMPARE(eb->predictions, ea->predictions);
  QCOMPARE(eb->predictionConfidence, ea->predictionConfidence);
  QCOMPARE(eb->topExperts, ea->topExperts);
}

QString TestTorchExport::importError(const SafeTensors& file) {
  writeSafetensors(path("bad.safetensors"), file);
  auto s = makeSession(small(), mData);
  const auto before = paramValues(*s);
  try {
    importSafetensors(*s, path("bad.safetensors"));
  } catch (const SafetensorsError& e) {
    if (paramValues(*s) != before) return "model changed by a refused file";
    return QString::fromUtf8(e.what());
  }
  return {};
}

void TestTorchExport::refusesWhatDoesNotFit() {
  auto s = makeSession(small(), mData);
  exportSafetensors(*s, path("good.safetensors"));
  const SafeTensors good = readSafetensors(path("good.safetensors"));
  QCOMPARE(importError(good), QString());
  auto without = good;
  std::erase_if(without.tensors, [](const SafeTensor& t) { return t.name == "experts.3.fc1.weight"; });
  QCOMPARE(without.tensors.size(), good.tensors.size() - 1);
  QVERIFY2(importError(without).contains("has no tensor 'experts.3.fc1.weight' [16, 784]"),
           qPrintable(importError(without)));
  auto extra = good;
  extra.tensors.push_back(f32Tensor("experts.4.fc1.bias", {16}, std::vector<float>(16, 0.0f)));
  QVERIFY(importError(extra).contains("holds tensor 'experts.4.fc1.bias' [16]"));
  auto transposed = good;
  transposed.tensors[0].shape = {784, 4};  // as moe-train stores it, not as torch does
  QVERIFY(importError(transposed).contains("tensor 'router.weight' is [784, 4]; the model's is [4, 784]"));
  auto half = good;
  half.tensors[1] = SafeTensor{"router.bias", "F16", {4}, std::string(8, '\0')};
  QVERIFY(importError(half).contains("tensor 'router.bias' is F16; moe-train loads F32 only"));
  auto nan = good;
  std::vector<float> v = nan.tensors[1].floats();
  v[2] = std::nanf("");
  nan.tensors[1] = f32Tensor("router.bias", {4}, v);
  QVERIFY(importError(nan).contains("'router.bias' holds a non-finite value at index 2"));
  // A file that is not safetensors at all is refused by the reader.
  std::ofstream(path("text.safetensors")) << "hello";
  QVERIFY_THROWS_EXCEPTION(SafetensorsError, importSafetensors(*s, path("text.safetensors")));
  // The JSON config: missing, or another format.
  QVERIFY_THROWS_EXCEPTION(SafetensorsError, readTorchConfig(path("text.safetensors")));
  std::ofstream(path("text.json")) << R"({"format":"other"})";
  QVERIFY_THROWS_EXCEPTION(SafetensorsError, readTorchConfig(path("text.safetensors")));
  QCOMPARE(readTorchConfig(path("good.safetensors"))["model"].get<std::string>(), std::string("moe"));
  QCOMPARE(torchConfigPath("a/b.safetensors"), std::string("a/b.json"));
  QCOMPARE(torchConfigPath("weights"), std::string("weights.json"));
}

void TestTorchExport::predictionsFile() {
  auto s = makeSession(small(), mData);
  const auto eval = s->evaluate();
  writePredictions(*eval, path("pred.safetensors"));
  const SafeTensors f = readSafetensors(path("pred.safetensors"));
  QCOMPARE(f.find("predictions")->shape, (std::vector<std::int64_t>{500}));
  QCOMPARE(f.find("top_experts")->shape, (std::vector<std::int64_t>{500, 2}));
  QCOMPARE(f.find("confidence")->floats(), eval->predictionConfidence);
  std::vector<std::int32_t> labels(500);
  std::memcpy(labels.data(), f.find("labels")->bytes.data(), 2000);
  QCOMPARE(labels, eval->labels);
}

QTEST_GUILESS_MAIN(TestTorchExport)
#include "test_torch_export.moc"
