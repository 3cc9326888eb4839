// The Parallel tab: a parallel run's history (as moe-train --parallel expert --history writes
// it) drawn as traffic, placement and time; nothing for a one-process run.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "core/train/history_file.h"
#include "core/train/run_history.h"
#include "ui/parallelpanel.h"
#include "ui/plotview.h"
#include "ui/sessionio.h"

using namespace moe;

namespace {

core::RunHistory parallelHistory(int steps) {
  core::RunHistory h(core::QualityMetric::Accuracy);
  for (int s = 1; s <= steps; ++s) {
    core::StepMetrics m;
    m.step = s;
    m.loss = 1.0;
    m.routing.load = {0.4f, 0.3f, 0.2f, 0.1f};
    // 2 ranks: rank 0 sends 1000 B to rank 1 and keeps 500; rank 1 sends 2000 B * s.
    m.exchangeBytes = {500.0f, 1000.0f, 2000.0f * float(s), 700.0f};
    m.syncBytes = {0.0f, 300.0f, 300.0f, 0.0f};
    m.exchangeSeconds = 0.002;
    m.syncSeconds = 0.001;
    m.computeSeconds = 0.007;
    m.expertRank = {0.0f, 0.0f, 1.0f, 1.0f};
    h.append(m);
  }
  return h;
}

}  // namespace

class ParallelPanelTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void drawsAParallelRunFromItsHistoryFile() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("run.jsonl")).toStdString();
    core::writeHistoryFile(path, core::TrainConfig{}, parallelHistory(2));
    core::TrainConfig config;
    core::RunHistory read;
    QString error;
    QVERIFY2(ui::readSessionFile(QString::fromStdString(path), &config, &read, &error),
             qPrintable(error));
    ui::ParallelPanel panel(nullptr);
    QSignalSpy shown(&panel, &ui::ParallelPanel::availabilityChanged);
    QVERIFY(panel.showHistory(read));
    QCOMPARE(shown.count(), 1);
    QCOMPARE(shown.at(0).at(0).toBool(), true);
    QCOMPARE(panel.ranks(), 2);
    // Means over the steps: 2000 and 4000 B from rank 1 to rank 0 average to 3000.
    QCOMPARE(panel.meanBytes(), (std::vector<double>{500.0, 1000.0, 3000.0, 700.0}));
    QCOMPARE(panel.placement(), (std::vector<int>{0, 0, 1, 1}));
    QVERIFY2(panel.summary().contains(QStringLiteral("2 ranks, 2 experts each")),
             qPrintable(panel.summary()));
    QVERIFY2(panel.summary().contains(QStringLiteral("4.0 kB between ranks")),
             qPrintable(panel.summary()));
    QCOMPARE(panel.meanSyncBytes(), (std::vector<double>{0.0, 300.0, 300.0, 0.0}));
    QVERIFY2(panel.summary().contains(QStringLiteral("move 600 B more between ranks")),
             qPrintable(panel.summary()));
    QCOMPARE(panel.trafficPlot()->plottableCount(), 1);
    QCOMPARE(panel.syncTrafficPlot()->plottableCount(), 1);
    QCOMPARE(panel.placementPlot()->plottableCount(), 2);  // one bar series per rank
  }

  void aOneProcessRunHasNoTab() {
    core::RunHistory h(core::QualityMetric::Accuracy);
    core::StepMetrics m;
    m.step = 1;
    m.routing.load = {0.5f, 0.5f};
    h.append(m);
    ui::ParallelPanel panel(nullptr);
    QSignalSpy shown(&panel, &ui::ParallelPanel::availabilityChanged);
    QVERIFY(!panel.showHistory(h));
    QVERIFY(!panel.hasRun());
    QCOMPARE(shown.count(), 0);
    QVERIFY(panel.showHistory(parallelHistory(1)));
    QVERIFY(!panel.showHistory(h));  // and back: the window hides the tab again
    QCOMPARE(shown.count(), 2);
  }
};

QTEST_MAIN(ParallelPanelTest)
#include "test_parallelpanel.moc"
