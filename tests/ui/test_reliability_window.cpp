// The window's side of issue 16: the status bar after a failed load, setup-panel ranges that
// show what runs, and the memory estimate shown before Apply.
#include <QLabel>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "ui/legacysession.h"
#include "ui/mainwindow.h"
#include "ui/memoryestimatelabel.h"
#include "ui/sessioncontroller.h"
#include "ui/setuppanel.h"

using namespace moe;

class ReliabilityWindowTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  // A load that fails must not leave "Loading …" in the status bar.
  void failedLoadClearsTheStatusBar() {
    ui::MainWindow window;
    window.show();
    QSignalSpy notice(window.controller(), &ui::SessionController::notice);
    core::TrainConfig config;
    config.dataset = "idx:/nonexistent/folder";
    window.start(config);
    auto* state = window.findChild<QLabel*>(QStringLiteral("stateLabel"));
    QVERIFY(state);
    QVERIFY(state->text().contains("Loading"));
    QTRY_VERIFY_WITH_TIMEOUT(!window.controller()->isBuilding(), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(!notice.isEmpty(), 5000);
    QVERIFY2(!state->text().contains("Loading"), qPrintable(state->text()));
    QCOMPARE(state->text(), QString("No session"));
  }

  // Every value validate() accepts is shown, and returned, as it is: nothing is clamped.
  void setupPanelShowsWhatRuns() {
    ui::SetupPanel panel;
    core::TrainConfig c;
    c.loss.auxWeight = 1000.0;
    c.loss.zLossWeight = 1000.0;
    c.loss.importanceWeight = 1000.0;
    c.loss.loadWeight = 1000.0;
    c.model.noiseScale = 100.0;
    c.model.capacityFactor = 64.0;
    c.model.expertHidden = 16384;
    c.threads = 1024;
    c.validate();
    panel.setConfig(c);
    const core::TrainConfig shown = panel.config();
    QCOMPARE(shown.loss.auxWeight, 1000.0);
    QCOMPARE(shown.loss.zLossWeight, 1000.0);
    QCOMPARE(shown.loss.importanceWeight, 1000.0);
    QCOMPARE(shown.loss.loadWeight, 1000.0);
    QCOMPARE(shown.model.noiseScale, 100.0);
    QCOMPARE(shown.model.capacityFactor, 64.0);
    QCOMPARE(shown.model.expertHidden, 16384);
    QCOMPARE(shown.threads, 1024);
  }

  // The estimate is shown before Apply, and turns into a refusal when it cannot fit.
  void memoryEstimateBeforeApply() {
    setenv("MOE_MEMORY_AVAILABLE", "9.8G", 1);
    ui::SetupPanel panel;
    auto* label = panel.findChild<ui::MemoryEstimateLabel*>(QStringLiteral("memoryEstimate"));
    QVERIFY(label);
    QVERIFY(label->text().contains("once"));  // no data loaded yet
    core::DataShape shape;
    shape.features = 784;
    shape.classes = 10;
    core::TrainConfig c;
    panel.setDataShape(shape, c.dataset);
    panel.setConfig(c);
    QVERIFY2(label->text().contains("Memory: about") && label->text().contains("9.8 GB available"),
             qPrintable(label->text()));
    QVERIFY(!label->tooLarge());
    c.model.experts = 256;
    c.model.expertHidden = 16384;
    panel.setConfig(c);
    QVERIFY(label->tooLarge());
    QVERIFY2(label->text().contains("Apply will refuse"), qPrintable(label->text()));
    QVERIFY(label->toolTip().contains("parameters 13.3 GB"));
    unsetenv("MOE_MEMORY_AVAILABLE");
  }

  // Found with the session fuzz target: an older session.json with numbers out of range was
  // cast (undefined behaviour); the reader refuses it, naming the key.
  void legacySessionNumbersOutOfRange() {
    for (const char* step : {R"({"step": 1e300})", R"({"epoch": -1e30})", R"({"routing": {"load": [1e300]}})",
                             R"({"routing": {"dead": 5000000000}})"}) {
      nlohmann::json doc = nlohmann::json::parse(R"({"format": "moe-explorer-session", "config": {},
                                                     "history": {"steps": [], "evals": []}})");
      doc["history"]["steps"].push_back(nlohmann::json::parse(step));
      QVERIFY(ui::isLegacySession(doc));
      QVERIFY_THROWS_EXCEPTION(std::runtime_error, ui::readLegacySession(doc));
    }
  }
};

QTEST_MAIN(ReliabilityWindowTest)
#include "test_reliability_window.moc"
