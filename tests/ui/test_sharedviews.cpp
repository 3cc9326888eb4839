// Shared experts (DeepSeekMoE) apart in the window: a session opened from a JSON config with
// "shared_experts": 2 shows them after the routed experts in the class x expert heatmap, in the
// load plot's legend and in the inspector's gate chart, while the routed numbers stay those of
// the evaluation; the metric table records how many experts are shared. And the setup panel
// offers Soft MoE's slots per expert for soft-moe only.
#include <QFile>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "core/train/metric_table.h"
#include "tests/core/dataset_skips.h"
#include "tests/ui/window_fixture.h"
#include "ui/gatebarchart.h"
#include "ui/heatmapwidget.h"
#include "ui/inspectorpanel.h"
#include "ui/loadplot.h"
#include "ui/mainwindow.h"
#include "ui/sessioncontroller.h"
#include "ui/setuppanel.h"
#include "ui/trainingpanel.h"

using namespace moe;

class SharedViewsTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;
  QTemporaryDir mDir;
  ui::SessionController* c() const { return mWindow->controller(); }

  core::TrainConfig configFromJson(const QByteArray& json) {
    const QString path = mDir.filePath(QStringLiteral("config.json"));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(json) != json.size()) return {};
    f.close();
    return core::loadConfigFile(path.toStdString());
  }

 private Q_SLOTS:
  void initTestCase() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QStandardPaths::setTestModeEnabled(true);
    const core::TrainConfig config = configFromJson(
        R"({"shared_experts": 2, "experts": 8, "top_k": 2, "max_train": 1024, "epochs": 50,
            "threads": 1})");
    QCOMPARE(config.model.sharedExperts, 2);
    QVERIFY(moe::testing::openWindow(mWindow, config));
    QVERIFY(moe::testing::stepOneEpoch(mWindow));
  }

  void heatmapShowsSharedApart() {
    mWindow->tabs()->setCurrentWidget(mWindow->trainingPanel());
    ui::HeatmapWidget* map = mWindow->trainingPanel()->heatmap();
    QTRY_VERIFY(map->classes() == 10);
    QCOMPARE(map->experts(), 8);  // the routed ones: the shared are in no cell
    QCOMPARE(map->sharedExperts(), 2);
    const QStringList ticks = map->expertTickLabels();
    // Each shared expert named under its column, or the block named once where they do not fit.
    QVERIFY2((ticks.size() >= 2 && ticks.mid(ticks.size() - 2) == QStringList({"S1", "S2"})) ||
                 ticks.last() == QStringLiteral("S1–S2"),
             qPrintable(ticks.join(' ')));
    QVERIFY(ticks.contains(QStringLiteral("E0")));
    QVERIFY2(map->sharedCaption().contains(QStringLiteral("shared")), qPrintable(map->sharedCaption()));
    // Right of every routed cell, in order.
    QVERIFY(map->sharedCenter(0).x() > map->cellCenter(0, 7).x());
    QVERIFY(map->sharedCenter(1).x() > map->sharedCenter(0).x());
    // The routed cells keep the evaluation's numbers: each class's shares over routed experts.
    const auto report = c()->latestEval();
    QVERIFY(report);
    QCOMPARE(report->experts, 8);
    QCOMPARE(report->sharedExperts, 2);
    for (int cls = 0; cls < 10; ++cls) {
      double total = 0.0, sum = 0.0;
      for (int e = 0; e < 8; ++e) total += double(report->classExpert[std::size_t(cls * 8 + e)]);
      for (int e = 0; e < 8; ++e) {
        const double want = total > 0 ? double(report->classExpert[std::size_t(cls * 8 + e)]) / total : 0.0;
        QVERIFY(qAbs(map->share(cls, e) - want) < 1e-12);
        sum += map->share(cls, e);
      }
      QVERIFY(qAbs(sum - 1.0) < 1e-9);
    }
    // A click on a shared column selects no routed cell.
    QSignalSpy clicks(map, &ui::HeatmapWidget::cellClicked);
    QTest::mouseClick(map, Qt::LeftButton, {}, map->sharedCenter(0));
    QCOMPARE(clicks.count(), 0);
    QTest::mouseClick(map, Qt::LeftButton, {}, map->cellCenter(3, 7));
    QCOMPARE(clicks.count(), 1);
  }

  void loadPlotNamesShared() {
    ui::LoadPlot* load = mWindow->trainingPanel()->loadPlot();
    QCOMPARE(load->experts(), 8);
    QCOMPARE(load->sharedExperts(), 2);
    QCOMPARE(load->title(), QStringLiteral("Routed expert load"));
    const QStringList names = load->legendNames();
    QCOMPARE(names.first(), QStringLiteral("E0"));
    QCOMPARE(names.last(), QStringLiteral("S1–S2 shared: always on"));
    // Bands are the routed experts' (stacked to 1), nothing else.
    QCOMPARE(names.filter(QRegularExpression(QStringLiteral("^E\\d+$"))).size(), 8);
  }

  void gateChartShowsSharedAlwaysOn() {
    ui::InspectorPanel* inspector = mWindow->inspectorPanel();
    mWindow->showInspector();
    inspector->showInput(3);
    QTRY_VERIFY_WITH_TIMEOUT(inspector->inspection().has_value(), 20000);
    ui::GateBarChart* gate = inspector->gateChart();
    QCOMPARE(gate->sharedExperts(), 2);
    QCOMPARE(int(gate->values().size()), 8);  // the routed probabilities only
    const QStringList ticks = gate->expertTickLabels();
    QCOMPARE(ticks.size(), 10);
    QCOMPARE(ticks.at(7), QStringLiteral("E7"));
    QCOMPARE(ticks.mid(8), QStringList({"S1", "S2"}));
    const QStringList labels = gate->labelTexts();
    QCOMPARE(labels.size(), 10);
    QCOMPARE(labels.at(8), QStringLiteral("w=1"));
    QCOMPARE(labels.at(9), QStringLiteral("w=1"));
  }

  void metricTableCountsShared() {
    const core::RunHistory& history = c()->history();
    QVERIFY(!history.evals().empty());
    const int column = history.scalarColumn(core::MetricScope::Eval, "shared_experts");
    QVERIFY(column >= 0);
    QCOMPARE(history.evals().back().values[std::size_t(column)], 2.0);
  }

  void withoutSharedNothingExtra() {
    core::TrainConfig config = c()->config();
    config.model.sharedExperts = 0;
    QSignalSpy ready(c(), &ui::SessionController::sessionReady);
    mWindow->start(config);
    QVERIFY(ready.wait(60000));
    ui::HeatmapWidget* map = mWindow->trainingPanel()->heatmap();
    QCOMPARE(map->sharedExperts(), 0);
    QVERIFY(!map->expertTickLabels().contains(QStringLiteral("S1")));
    QVERIFY(map->sharedCaption().isEmpty());
    ui::LoadPlot* load = mWindow->trainingPanel()->loadPlot();
    QCOMPARE(load->sharedExperts(), 0);
    QCOMPARE(load->title(), QStringLiteral("Expert load"));
    QVERIFY(!load->legendNames().last().contains(QStringLiteral("shared")));
    QCOMPARE(mWindow->inspectorPanel()->gateChart()->sharedExperts(), 0);
  }

  // Soft MoE's slots per expert: a setting only soft-moe reads, so only it enables the box.
  void setupPanelSlotsOnlyForSoftMoe() {
    ui::SetupPanel panel;
    core::TrainConfig config;
    config.model.router = "soft-moe";
    config.model.slotsPerExpert = 4;
    panel.setConfig(config);
    auto* slots = panel.findChild<QSpinBox*>(QStringLiteral("slotsPerExpert"));
    QVERIFY(slots);
    QVERIFY(slots->isEnabled());
    QCOMPARE(slots->value(), 4);
    QCOMPARE(panel.config().model.slotsPerExpert, 4);
    config.model.router = "topk";
    panel.setConfig(config);
    QVERIFY(!slots->isEnabled());
  }

  void cleanupTestCase() { delete mWindow; }
};

QTEST_MAIN(SharedViewsTest)
#include "test_sharedviews.moc"
