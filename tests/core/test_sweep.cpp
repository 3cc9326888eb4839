// Sweeps: spec parsing and grid expansion, refused specs, the runner's rows, resuming, FLOPs.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "compute/cpu/cpu_backend.h"
#include "core/data/catalog.h"
#include "core/model/model.h"
#include "core/sweep/sweep_run.h"
#include "core/sweep/sweep_runner.h"
#include "core/train/history_file.h"
#include "core/train/presets.h"

using namespace moe::core;
using ojson = nlohmann::ordered_json;

namespace {

// A tiny run: 1000 Fashion-MNIST rows, narrow experts, one epoch of 10 steps.
const ojson kTinyBase = ojson::parse(
    R"({"max_train": 1000, "expert_hidden": 8, "batch_size": 100, "lr": 0.005, "threads": 1})");

std::vector<std::string> ids(const SweepSpec& s) {
  std::vector<std::string> out;
  for (const SweepRun& r : s.runs) out.push_back(r.id);
  return out;
}

std::vector<std::string> readLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

}  // namespace

class TestSweep : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void gridExpandsInOrderWithSeedsInnermost() {
    const SweepSpec s = parseSweepSpec(ojson::parse(
        R"({"base": {"max_train": 20000, "epochs": 1},
            "grid": {"experts": [4, 8], "top_k": [1, 2, 3]}, "seeds": [0, 1, 2]})"));
    QCOMPARE(s.runs.size(), std::size_t(18));
    QCOMPARE(s.varied, (std::vector<std::string>{"experts", "top_k", "seed"}));
    QCOMPARE(s.runs[0].id, std::string("experts=4 top_k=1 seed=0"));
    QCOMPARE(s.runs[1].id, std::string("experts=4 top_k=1 seed=1"));
    QCOMPARE(s.runs[3].id, std::string("experts=4 top_k=2 seed=0"));
    QCOMPARE(s.runs[9].id, std::string("experts=8 top_k=1 seed=0"));
    QCOMPARE(s.runs[17].id, std::string("experts=8 top_k=3 seed=2"));
    QCOMPARE(s.runs[17].folder, std::string("experts-8_top_k-3_seed-2"));
    for (std::size_t i = 0; i < s.runs.size(); ++i) {
      const TrainConfig& c = s.runs[i].config;
      QCOMPARE(c.model.experts, i < 9 ? 4 : 8);
      QCOMPARE(c.model.topK, int(i / 3 % 3) + 1);
      QCOMPARE(c.seed, std::uint64_t(i % 3));
      QCOMPARE(c.maxTrain, 20000);  // the base reaches every run
    }
    // The spec's key order decides which key varies fastest.
    const SweepSpec swapped = parseSweepSpec(
        ojson::parse(R"({"grid": {"top_k": [1, 2], "experts": [4, 8]}})"));
    QCOMPARE(ids(swapped), (std::vector<std::string>{"top_k=1 experts=4", "top_k=1 experts=8",
                                                     "top_k=2 experts=4", "top_k=2 experts=8"}));
  }

  void runsListKeepsItsOrderAndUnitesItsKeys() {
    const SweepSpec s = parseSweepSpec(ojson::parse(
        R"({"base": {"seed": 7}, "runs": [{"router": "switch"}, {"model": "dense-mlp", "lr": 0.01}, {}]})"));
    QCOMPARE(ids(s), (std::vector<std::string>{"router=switch", "model=dense-mlp lr=0.01", "base"}));
    QCOMPARE(s.varied, (std::vector<std::string>{"router", "model", "lr"}));
    QCOMPARE(s.runs[1].config.model.kind, ModelKind::DenseMlp);
    QCOMPARE(s.runs[1].config.optim.lr, 0.01);
    QCOMPARE(s.runs[2].config.seed, std::uint64_t(7));
    // Every run has every varied column: what it does not set is read from its config.
    QCOMPARE(s.runs[0].columns.dump(), std::string(R"({"router":"switch","model":"moe","lr":0.001})"));
    QCOMPARE(parseSweepSpec(ojson::parse(R"({"seeds": [3, 4]})")).runs.size(), std::size_t(2));
  }

  // A dataset in the base or in a run means its preset, as in moe-train: the text task's
  // model, not the image defaults with text data (which made a 33.6 M-parameter text model).
  void datasetsStartFromTheirPreset() {
    const TrainConfig text = presetFor("fortunes-langid");
    QVERIFY(text.optim.lr != TrainConfig{}.optim.lr || text.model.expertHidden != TrainConfig{}.model.expertHidden);
    const SweepSpec s = parseSweepSpec(ojson::parse(
        R"({"base": {"dataset": "fortunes-langid", "epochs": 2},
            "runs": [{"experts": 2}, {"lr": 0.5}, {"dataset": "fashion-mnist"}],
            "baselines": ["dense-active"]})"));
    QCOMPARE(s.runs.size(), std::size_t(4));
    for (const SweepRun& r : s.runs) QCOMPARE(r.config.epochs, 2);  // the base over the preset
    QCOMPARE(s.runs[0].config.model.experts, 2);                   // the run over both
    QCOMPARE(s.runs[0].config.model.expertHidden, text.model.expertHidden);
    QCOMPARE(s.runs[0].config.text.buckets, text.text.buckets);
    QCOMPARE(s.runs[0].config.text.ngramMin, text.text.ngramMin);
    QCOMPARE(s.runs[0].config.optim.lr, text.optim.lr);
    QCOMPARE(s.runs[1].config.optim.lr, 0.5);
    // A run that names another dataset takes that dataset's preset.
    QCOMPARE(s.runs[2].config.model.expertHidden, TrainConfig{}.model.expertHidden);
    QCOMPARE(s.runs[2].config.optim.lr, TrainConfig{}.optim.lr);
    QCOMPARE(s.runs[3].baseline, std::string("dense-active"));
    QCOMPARE(s.runs[3].config.text.buckets, text.text.buckets);
  }

  void badSpecsAreRefusedByName_data() {
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("not an object") << "[1]" << "JSON object";
    QTest::newRow("unknown spec key") << R"({"grid": {"experts": [2]}, "grids": 1})" << "grids";
    QTest::newRow("grid and runs") << R"({"grid": {"experts": [2]}, "runs": [{}]})" << "not both";
    QTest::newRow("nothing varies") << R"({"base": {}})" << "nothing varies";
    QTest::newRow("base unknown key") << R"({"base": {"expertz": 2}, "seeds": [0]})" << "expertz";
    QTest::newRow("base wrong type") << R"({"base": {"epochs": "two"}, "seeds": [0]})" << "epochs";
    QTest::newRow("grid unknown key") << R"({"grid": {"expertz": [2]}})" << "expertz";
    QTest::newRow("empty grid") << R"({"grid": {}})" << "grid is empty";
    QTest::newRow("empty values") << R"({"grid": {"experts": []}})" << "empty list";
    QTest::newRow("values not a list") << R"({"grid": {"experts": 4}})" << "list of values";
    QTest::newRow("value an object") << R"({"grid": {"experts": [{"a": 1}]}})" << "number or a string";
    QTest::newRow("seed in grid") << R"({"grid": {"seed": [1]}})" << "seeds";
    QTest::newRow("bad value") << R"({"grid": {"experts": [4], "top_k": [5]}})" << "experts=4 top_k=5";
    QTest::newRow("wrong type") << R"({"grid": {"experts": ["four"]}})" << "experts";
    QTest::newRow("bad router") << R"({"grid": {"router": ["nope"]}})" << "nope";
    QTest::newRow("empty runs") << R"({"runs": []})" << "runs is empty";
    QTest::newRow("run not an object") << R"({"runs": [{}, 3]})" << "runs[1]";
    QTest::newRow("run unknown key") << R"({"runs": [{"k": 2}]})" << "'k'";
    QTest::newRow("empty seeds") << R"({"seeds": []})" << "seeds is empty";
    QTest::newRow("negative seed") << R"({"seeds": [-1]})" << "-1";
    QTest::newRow("repeated run") << R"({"grid": {"experts": [4, 4]}})" << "listed twice";
  }
  void badSpecsAreRefusedByName() {
    QFETCH(QString, spec);
    QFETCH(QString, mentions);
    try {
      parseSweepSpec(ojson::parse(spec.toStdString()));
      QFAIL("the spec was accepted");
    } catch (const SweepError& e) {
      QVERIFY2(QString(e.what()).contains(mentions), e.what());
    }
  }

  void specFilesNameThemselves() {
    QTemporaryDir tmp;
    const std::string bad = tmp.filePath("bad.json").toStdString();
    std::ofstream(bad) << "{\"grid\": ";
    for (const std::string& path : {bad, tmp.filePath("missing.json").toStdString()}) {
      try {
        loadSweepSpec(path);
        QFAIL("accepted");
      } catch (const SweepError& e) {
        QVERIFY2(std::string(e.what()).find(path) != std::string::npos, e.what());
      }
    }
  }

  void unwritableFolderIsRefused() {
    const SweepSpec s = parseSweepSpec(ojson::parse(R"({"seeds": [0]})"));
    QVERIFY_THROWS_EXCEPTION(SweepError, SweepRunner(s, "/proc/no-such-folder/out"));
  }

  void parallelismRule() {
    TrainConfig small;
    small.model.expertHidden = 8;
    DataShape shape;
    shape.features = 784;
    shape.classes = 10;
    QCOMPARE(autoParallelism(small, shape, 2, 18, 0.0), 2);
    QCOMPARE(autoParallelism(small, shape, 16, 3, 0.0), 3);  // never more than the runs left
    QCOMPARE(autoParallelism(small, shape, 2, 1, 0.0), 1);
    QCOMPARE(autoParallelism(small, shape, 1, 18, 0.0), 1);
    TrainConfig gpu = small;
    gpu.backend = "opencl";
    QCOMPARE(autoParallelism(gpu, shape, 2, 18, 0.0), 1);
    TrainConfig big = small;
    big.model.experts = 64;
    big.model.expertHidden = 1024;  // 64 x 785 x 1024: 51 M parameters
    QCOMPARE(autoParallelism(big, shape, 2, 18, 0.0), 1);
    const double one = estimateMemory(small, shape).total();
    QCOMPARE(autoParallelism(small, shape, 8, 18, one * 2.6), 2);  // 80% of 2.6 runs' memory
  }

  void flopsAreCountedFromTheShapes() {
    DataOptions opt;
    opt.maxTrain = 200;
    const DataSplits data = loadDataset("fashion-mnist", opt);
    moe::compute::CpuBackend backend(1);
    TrainConfig c;
    c.model.experts = 4;
    c.model.topK = 2;
    c.model.expertHidden = 16;
    c.model.stemWidth = 32;
    c.model.patchSize = 7;
    // By hand: a router of in x 4 + 4, experts in -> 16 -> out, two of them, the gated combine.
    auto moeFlops = [](double in, double out) {
      return 2.0 * (in * 4 + 4) + 2.0 * 2 * (in * 16 + 16 + 16 * out + out) + 2.0 * 2 * out;
    };
    c.model.kind = ModelKind::MoeClassifier;
    QCOMPARE(createModel(c, data.train, backend)->flopsPerInput(data.train), moeFlops(784, 10));
    c.model.kind = ModelKind::StemMoe;
    QCOMPARE(createModel(c, data.train, backend)->flopsPerInput(data.train),
             2.0 * (785 * 32 + 33 * 10) + moeFlops(32, 32));
    c.model.kind = ModelKind::PatchMoe;  // 16 patches of 7 x 7, a head over 16 x 32 features
    QCOMPARE(createModel(c, data.train, backend)->flopsPerInput(data.train),
             16 * (2.0 * 50 * 32 + moeFlops(32, 32)) + 2.0 * (16 * 32 + 1) * 10);
    c.model.kind = ModelKind::DenseMlp;
    const auto dense = createModel(c, data.train, backend);
    QCOMPARE(dense->flopsPerInput(data.train), 2.0 * double(dense->paramsActivePerInput()));
  }

  // Two arenas finishing at the same moment both rewrote results.jsonl.tmp and results.csv.tmp;
  // one rename then failed ("cannot replace") and the sweep stopped. Tiny toy runs (one step
  // each) finish together often; every row must reach both files, every time.
  void runsThatFinishTogetherAllReachTheFiles() {
    for (int round = 0; round < 4; ++round) {
      QTemporaryDir tmp;
      const std::string dir = tmp.path().toStdString();
      ojson seeds = ojson::array();
      for (int i = 0; i < 24; ++i) seeds.push_back(i);
      std::size_t pending = 1;
      try {
        const SweepSpec s = parseSweepSpec(ojson{
            {"base", ojson::parse(R"({"dataset": "toy:xor", "toy_size": 40, "batch_size": 40,
                                     "expert_hidden": 4, "experts": 2, "epochs": 1, "threads": 1})")},
            {"seeds", seeds}});
        SweepRunner runner(s, dir);
        QCOMPARE(runner.run(2), 2);  // two arenas
        pending = runner.pendingCount();
      } catch (const std::exception& e) {
        QFAIL(e.what());
      }
      QCOMPARE(pending, std::size_t(0));
      QCOMPARE(readLines(dir + "/results.jsonl").size(), std::size_t(24));
      QCOMPARE(readLines(dir + "/results.csv").size(), std::size_t(25));
    }
  }

  void runnerWritesCompleteRowsAndResumes() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    ojson spec{{"base", kTinyBase},
               {"runs", ojson::parse(R"([{"experts": 2, "top_k": 1}, {"experts": 4, "top_k": 2},
                                         {"model": "dense-mlp"}])")}};
    const SweepSpec s = parseSweepSpec(spec);
    std::vector<SweepRow> first;
    {
      SweepRunner runner(s, dir);
      QCOMPARE(runner.pendingCount(), std::size_t(3));
      QCOMPARE(runner.run(2), 2);
      QCOMPARE(runner.pendingCount(), std::size_t(0));
      first = runner.rows();
    }
    QCOMPARE(first.size(), std::size_t(3));
    for (std::size_t i = 0; i < first.size(); ++i) {
      const SweepRow& r = first[i];
      QVERIFY(isCompleteRow(r, s.runs[i]));
      QCOMPARE(r["status"].get<std::string>(), std::string("done"));
      for (const char* key : {"test_accuracy", "test_loss", "train_seconds", "train_samples_per_s",
                              "load_cv", "max_vio", "dropped_fraction", "mutual_information",
                              "train_flops_per_sample", "inference_flops_per_sample"})
        QVERIFY2(r[key].is_number() && std::isfinite(r[key].get<double>()), key);
      QVERIFY2(r["test_accuracy"].get<double>() > 0.25, r.dump().c_str());  // chance: 0.1
      QCOMPARE(r["steps"].get<long>(), 10L);
      // The history opens as the window opens it, with its evaluation.
      const RunRecord rec = readHistoryFile(dir + "/" + r["history"].get<std::string>());
      QCOMPARE(rec.history.evals().size(), std::size_t(1));
      QCOMPARE(rec.history.steps().size(), std::size_t(10));
      QVERIFY(std::filesystem::exists(dir + "/runs/" + s.runs[i].folder + "/config.json"));
    }
    // FLOPs from the shapes: 2 per active weight plus the gated combine into 10 classes.
    QCOMPARE(first[0]["inference_flops_per_sample"].get<double>(),
             2.0 * first[0]["params_active_per_input"].get<double>() + 2.0 * 1 * 10);
    QCOMPARE(first[1]["inference_flops_per_sample"].get<double>(),
             2.0 * first[1]["params_active_per_input"].get<double>() + 2.0 * 2 * 10);
    QCOMPARE(first[2]["inference_flops_per_sample"].get<double>(),
             2.0 * first[2]["params_active_per_input"].get<double>());
    QCOMPARE(first[2]["train_flops_per_sample"].get<double>(),
             3.0 * first[2]["inference_flops_per_sample"].get<double>());
    QCOMPARE(readLines(dir + "/results.jsonl").size(), std::size_t(3));
    const std::vector<std::string> csv = readLines(dir + "/results.csv");
    QCOMPARE(csv.size(), std::size_t(4));
    QVERIFY2(csv[0].rfind("run,experts,top_k,model,status,test_accuracy,", 0) == 0, csv[0].c_str());

    // Run again: nothing is trained, the rows are the same.
    {
      SweepRunner again(s, dir);
      QCOMPARE(again.pendingCount(), std::size_t(0));
      int started = 0;
      again.setListener([&](const SweepEvent& e) { started += e.kind == SweepEvent::Kind::Started; });
      QCOMPARE(again.run(), 0);
      QCOMPARE(started, 0);
      QCOMPARE(again.rows(), first);
    }

    // A killed sweep: the second row is lost and the last line cut short. Only the missing
    // runs train, sequentially this time, and give the same numbers (deterministic per run).
    const std::vector<std::string> lines = readLines(dir + "/results.jsonl");
    std::ofstream(dir + "/results.jsonl") << lines[0] << "\n" << lines[2].substr(0, 40);
    {
      SweepRunner resumed(s, dir);
      QCOMPARE(resumed.pendingCount(), std::size_t(2));
      std::vector<std::size_t> started;
      resumed.setListener([&](const SweepEvent& e) {
        if (e.kind == SweepEvent::Kind::Started) started.push_back(e.run);
      });
      QCOMPARE(resumed.run(1), 1);
      QCOMPARE(started, (std::vector<std::size_t>{1, 2}));
      const std::vector<SweepRow> rows = resumed.rows();
      QCOMPARE(rows.size(), std::size_t(3));
      for (std::size_t i = 0; i < rows.size(); ++i)
        for (const char* key : {"test_accuracy", "test_loss", "load_cv", "params_total"})
          QCOMPARE(rows[i][key], first[i][key]);
    }
  }

  void changedSettingsAreTrainedAgainAndForeignRowsKept() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    ojson spec{{"base", kTinyBase}, {"grid", ojson::parse(R"({"experts": [2]})")}};
    SweepRunner(parseSweepSpec(spec), dir).run(1);
    // The same run id with another learning rate is another run: its row is not reused.
    spec["base"]["lr"] = 0.02;
    SweepRunner changed(parseSweepSpec(spec), dir);
    QCOMPARE(changed.pendingCount(), std::size_t(1));
    // A spec that does not list the run keeps its row.
    spec["grid"] = ojson::parse(R"({"experts": [3]})");
    SweepRunner other(parseSweepSpec(spec), dir);
    QCOMPARE(other.foreignRowCount(), std::size_t(1));
    QCOMPARE(other.rows().size(), std::size_t(1));
  }

  void stopLeavesTheRestPending() {
    QTemporaryDir tmp;
    ojson spec{{"base", kTinyBase}, {"grid", ojson::parse(R"({"experts": [2, 3]})")}};
    SweepRunner runner(parseSweepSpec(spec), tmp.path().toStdString());
    runner.setListener([&](const SweepEvent& e) {
      if (e.kind == SweepEvent::Kind::Progress) runner.requestStop();
    });
    runner.run(1);
    QCOMPARE(runner.pendingCount(), std::size_t(2));
    QVERIFY(readLines(tmp.filePath("results.jsonl").toStdString()).empty());
  }

  void aRunThatCannotBeBuiltNamesItself() {
    QTemporaryDir tmp;
    ojson spec{{"base", kTinyBase}, {"runs", ojson::parse(R"([{"dataset": "idx:/nonexistent"}])")}};
    SweepRunner runner(parseSweepSpec(spec), tmp.path().toStdString());
    try {
      runner.run(1);
      QFAIL("ran");
    } catch (const SweepError& e) {
      QVERIFY2(std::string(e.what()).find("dataset=idx:/nonexistent") != std::string::npos, e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestSweep)
#include "test_sweep.moc"
