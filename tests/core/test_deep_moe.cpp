// Deep (stacked) MoE: per-layer settings, the model's layers and parameter names, a session
// with per-layer evaluation reports and metrics, checkpoints, and the translated-images data.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <random>
#include <set>

#include "compute/cpu/cpu_backend.h"
#include "core/data/shifted.h"
#include "core/model/model.h"
#include "core/train/checkpoint.h"
#include "core/train/layer_settings.h"
#include "core/train/metric_table.h"
#include "core/train/session.h"

using namespace moe;
using namespace moe::core;

namespace {

ModelConfig deepConfig(const std::string& experts = "3,5") {
  ModelConfig m;
  m.kind = ModelKind::DeepMoe;
  m.layers = 2;
  m.experts = 4;
  m.topK = 2;
  m.layerExperts = experts;
  m.expertHidden = 8;
  m.stemWidth = 6;
  return m;
}

// Tiny 4x4 single-channel "images" of 3 classes (class c: a bright row c), one split.
Dataset tinyImages(int rows, std::uint64_t seed) {
  Dataset d;
  d.name = "tiny";
  d.kind = DataKind::Dense;
  d.features = 16;
  d.classes = 3;
  d.imageWidth = d.imageHeight = 4;
  d.imageChannels = 1;
  std::mt19937_64 rng(seed);
  for (int r = 0; r < rows; ++r) {
    const int c = r % 3;
    d.labels.push_back(c);
    for (int i = 0; i < 16; ++i)
      d.x.push_back((i / 4 == c ? 0.8f : 0.0f) + 0.1f * float(rng() % 10) / 10.0f);
  }
  return d;
}

std::shared_ptr<const DataSplits> shiftedSplits() {
  auto s = std::make_shared<DataSplits>();
  s->train = shiftImages(tinyImages(96, 1), 8, 3, 11);
  s->test = shiftImages(tinyImages(48, 2), 8, 3, 12);
  return s;
}

TrainConfig sessionConfig() {
  TrainConfig c;
  c.model = deepConfig();
  c.batchSize = 32;
  c.threads = 1;
  c.seed = 5;
  c.optim.lr = 0.01;
  return c;
}

}  // namespace

class TestDeepMoe : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void layerSettings() {
    ModelConfig m = deepConfig("3, 5");
    m.layerTopK = "1,2";
    m.layerRouters = "switch,topk";
    validateLayerSettings(m);
    QCOMPARE(moeLayerCount(m), 2);
    QCOMPARE(layerConfig(m, 0).experts, 3);
    QCOMPARE(layerConfig(m, 0).topK, 1);
    QCOMPARE(layerConfig(m, 0).router, std::string("switch"));
    QCOMPARE(layerConfig(m, 1).experts, 5);
    QCOMPARE(layerConfig(m, 1).topK, 2);
    QCOMPARE(layerConfig(m, 1).router, std::string("topk"));
    ModelConfig global = deepConfig("");  // empty lists: the global settings everywhere
    QCOMPARE(layerConfig(global, 1).experts, 4);
    QCOMPARE(moeLayerCount(ModelConfig{}), 1);
  }

  void badLayerSettingsAreNamed_data() {
    QTest::addColumn<QString>("experts");
    QTest::addColumn<QString>("topK");
    QTest::addColumn<QString>("routers");
    QTest::addColumn<QString>("named");
    QTest::newRow("too few") << "4" << "" << "" << "layer_experts has 1 entries";
    QTest::newRow("not a number") << "4,x" << "" << "" << "'x') is not a whole number";
    QTest::newRow("k above experts") << "4,2" << "1,3" << "" << "MoE layer 2: top-k";
    QTest::newRow("unknown router") << "" << "" << "topk,nope" << "nope";
  }
  void badLayerSettingsAreNamed() {
    QFETCH(QString, experts);
    QFETCH(QString, topK);
    QFETCH(QString, routers);
    QFETCH(QString, named);
    TrainConfig c;
    c.model = deepConfig(experts.toStdString());
    c.model.topK = 1;
    c.model.layerTopK = topK.toStdString();
    c.model.layerRouters = routers.toStdString();
    try {
      c.validate();
      QFAIL("validate accepted bad per-layer settings");
    } catch (const ConfigError& e) {
      QVERIFY2(QString(e.what()).contains(named), e.what());
    }
  }

  void layersHaveTheirOwnRoutersAndNames() {
    compute::CpuBackend be(1);
    const auto data = shiftedSplits();
    TrainConfig c = sessionConfig();
    auto model = createModel(c, data->train, be);
    const auto layers = model->moeLayers();
    QCOMPARE(int(layers.size()), 2);
    QCOMPARE(model->moe(), layers[0]);
    std::set<std::string> names;
    for (Parameter* p : model->parameters()) QVERIFY2(names.insert(p->name).second, p->name.c_str());
    QVERIFY(names.count("moe1.router.gate.weight") && names.count("moe2.router.gate.weight"));
    QVERIFY(QString::fromStdString(model->describe()).contains("3 experts"));
    QVERIFY(QString::fromStdString(model->describe()).contains("5 experts"));
  }

  // Training steps report every layer's load; an evaluation a report per layer, each with its
  // own experts, class and offset heatmaps and mutual informations, and the metric table
  // writes them per layer.
  void sessionReportsEveryLayer() {
    Session s(sessionConfig(), shiftedSplits(), std::make_unique<compute::CpuBackend>(1));
    StepMetrics m;
    for (int i = 0; i < 6; ++i) m = s.trainStep();
    QCOMPARE(int(m.layerLoad.size()), 3 + 5);
    QCOMPARE(int(m.layerLoadCv.size()), 2);
    QCOMPARE(int(m.routing.load.size()), 3);  // the first layer's
    const auto r = s.evaluate();
    QCOMPARE(int(r->layers.size()), 2);
    const int experts[] = {3, 5};
    for (int l = 0; l < 2; ++l) {
      const EvalReport& layer = *r->layers[std::size_t(l)];
      QCOMPARE(layer.experts, experts[l]);
      QCOMPARE(int(layer.classExpert.size()), 3 * experts[l]);
      QCOMPARE(layer.offsets, 9);
      QCOMPARE(int(layer.offsetExpert.size()), 9 * experts[l]);
      std::int64_t routed = 0;
      for (auto v : layer.offsetExpert) routed += v;
      QVERIFY(routed > 0);
      QVERIFY(std::isfinite(layer.offsetMutualInformation) && layer.offsetMutualInformation >= 0.0);
      QCOMPARE(layer.quality, r->quality);  // one model, one prediction per row
    }
    QCOMPARE(r->classExpert, r->layers[0]->classExpert);
    const MetricDef* mi = findMetric(MetricScope::Eval, "layer_mutual_information_bits");
    const MetricDef* offset = findMetric(MetricScope::Eval, "layer_offset_mutual_information_bits");
    QVERIFY(mi && offset);
    const auto values = offset->evalVector(*r);
    QCOMPARE(int(values.size()), 2);
    QCOMPARE(double(values[1]), double(float(r->layers[1]->offsetMutualInformation)));
    QCOMPARE(int(mi->evalVector(*r).size()), 2);
  }

  void checkpointRoundTrip() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("deep.bin").toStdString();
    const auto data = shiftedSplits();
    Session a(sessionConfig(), data, std::make_unique<compute::CpuBackend>(1));
    for (int i = 0; i < 4; ++i) a.trainStep();
    a.save(path);
    const double loss = a.evaluate()->loss;
    Session b(sessionConfig(), data, std::make_unique<compute::CpuBackend>(1));
    b.load(path);
    QCOMPARE(b.step(), a.step());
    QCOMPARE(b.evaluate()->loss, loss);
    QCOMPARE(a.trainStep().loss, b.trainStep().loss);  // training goes on alike
    // Another layer shape is refused, naming the tensor.
    TrainConfig other = sessionConfig();
    other.model.layerExperts = "3,4";
    Session c(other, data, std::make_unique<compute::CpuBackend>(1));
    QVERIFY_THROWS_EXCEPTION(CheckpointError, c.load(path));
  }

  void shiftedImagesKeepTheirOffsets() {
    const Dataset src = tinyImages(30, 3);
    const Dataset out = shiftImages(src, 8, 3, 7);
    QCOMPARE(out.features, 64);
    QCOMPARE(out.imageWidth, 8);
    QCOMPARE(out.offsetGrid, 3);
    QCOMPARE(int(out.offsetCells.size()), 30);
    QCOMPARE(out.labels, src.labels);
    std::set<int> cells;
    for (int r = 0; r < 30; ++r) {
      // Find the image: the top-left of the 4x4 block holding its pixels, by the pixel sum.
      const float* img = out.x.data() + std::size_t(r) * 64;
      float total = 0.0f, want = 0.0f;
      for (int i = 0; i < 64; ++i) total += img[i];
      for (int i = 0; i < 16; ++i) want += src.x[std::size_t(r) * 16 + std::size_t(i)];
      QVERIFY(std::fabs(total - want) < 1e-4f);
      int found = -1;
      for (int oy = 0; oy <= 4 && found < 0; ++oy)
        for (int ox = 0; ox <= 4 && found < 0; ++ox) {
          bool same = true;
          for (int i = 0; i < 16 && same; ++i)
            same = img[(oy + i / 4) * 8 + ox + i % 4] == src.x[std::size_t(r) * 16 + std::size_t(i)];
          if (same) found = (oy * 3 / 5) * 3 + ox * 3 / 5;
        }
      QCOMPARE(out.offsetCells[std::size_t(r)], found);
      cells.insert(found);
    }
    QVERIFY(cells.size() >= 5);  // offsets spread over the grid
    QCOMPARE(shiftImages(src, 8, 3, 7).x, out.x);  // the same seed, the same data
    QVERIFY_THROWS_EXCEPTION(DataError, shiftImages(src, 3, 3, 7));  // does not fit
    QVERIFY_THROWS_EXCEPTION(DataError, loadShifted("cifar10:/x", DataOptions{}));
  }
};

QTEST_GUILESS_MAIN(TestDeepMoe)
#include "test_deep_moe.moc"
