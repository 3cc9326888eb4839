// File > Export for PyTorch: the window's model, trained a few steps, written as safetensors in
// torch.nn's names with its JSON config; the weights match the session's between two steps;
// a path that cannot be written is reported, not a crash.
#include <QMenuBar>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

#include <nlohmann/json.hpp>

#include "core/train/safetensors.h"
#include "core/train/torch_export.h"
#include "tests/core/dataset_skips.h"
#include "tests/ui/window_fixture.h"
#include "ui/torchexport.h"

using namespace moe;

class TorchExportTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;

 private Q_SLOTS:
  void initTestCase() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QStandardPaths::setTestModeEnabled(true);
    core::TrainConfig config = testing::longRunConfig();
    config.model.experts = 4;
    config.model.expertHidden = 16;
    QVERIFY(testing::openWindow(mWindow, config));
  }
  void cleanupTestCase() { delete mWindow; }

  void fileMenuHasTheAction() {
    bool found = false;
    for (QAction* a : mWindow->menuBar()->actions())
      if (a->menu())
        for (QAction* item : a->menu()->actions())
          found = found || item->text().remove('&').startsWith("Export for PyTorch");
    QVERIFY(found);
  }

  void exportsTheRunningModel() {
    QTemporaryDir dir;
    const QString path = dir.path() + "/window.safetensors";
    QCOMPARE(ui::exportForPytorch(*mWindow->controller(), path), QString());
    const core::SafeTensors f = core::readSafetensors(path.toStdString());
    QCOMPARE(f.find("router.weight")->shape, (std::vector<std::int64_t>{4, 784}));
    QCOMPARE(f.find("experts.3.fc2.weight")->shape, (std::vector<std::int64_t>{10, 16}));
    std::ifstream in((dir.path() + "/window.json").toStdString());
    const nlohmann::json config = nlohmann::json::parse(in);
    QCOMPARE(config["model"].get<std::string>(), std::string("moe"));
    QCOMPARE(config["moe"]["experts"].get<int>(), 4);
    QCOMPARE(core::readTorchConfig(path.toStdString())["moe_train_config"]["max_train"].get<int>(), 1024);
  }

  void reportsAnUnwritablePath() {
    const QString error = ui::exportForPytorch(*mWindow->controller(), "/nonexistent-dir/m.safetensors");
    QVERIFY2(error.contains("nonexistent-dir"), qPrintable(error));
  }
};

QTEST_MAIN(TorchExportTest)
#include "test_torchexport.moc"
