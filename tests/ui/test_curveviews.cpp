// The views TensorBoard users look for on the curve plots: the smoothing slider (raw curve
// faint behind the smoothed one), the log scale, and markers where a setting changed live,
// whose labels never overlap or leave the axes, in presentation mode too.
#include <cmath>
#include <set>

#include <QAction>
#include <QFile>
#include <QTemporaryDir>

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QPushButton>
#include <QTabWidget>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QtTest>

#include "tests/core/dataset_skips.h"
#include "tests/ui/window_fixture.h"
#include "ui/curvecontrols.h"
#include "ui/classmixbar.h"
#include "ui/evalscrubber.h"
#include "ui/gallerypanel.h"
#include "ui/gatehistogramplot.h"
#include "ui/heatmapwidget.h"
#include "ui/loadplot.h"
#include "ui/hoverhelp.h"
#include "ui/livechangemarkers.h"
#include "ui/logithistogramplot.h"
#include "ui/mainwindow.h"
#include "ui/routerhealthpanel.h"
#include "ui/routingexport.h"
#include "ui/seriesplot.h"
#include "ui/sessioncontroller.h"
#include "ui/trainingpanel.h"

using namespace moe;

namespace {

std::vector<double> values(const QCPGraph* g) {
  std::vector<double> v;
  for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) v.push_back(it->value);
  return v;
}

// Every marker label shown lies inside the axes and overlaps no other.
void checkMarkerLabels(const ui::PlotView& plot, int mustShow) {
  const QRect axes = plot.axisRect()->rect();
  int shown = 0;
  for (int i = 0; i < plot.markerCount(); ++i) {
    const QRect r = plot.markerLabelRect(i);
    if (r.isEmpty()) continue;
    ++shown;
    QVERIFY2(axes.contains(r), qPrintable(QStringLiteral("label %1 at (%2,%3 %4x%5) leaves the axes (%6,%7 %8x%9)")
                                              .arg(i).arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height())
                                              .arg(axes.x()).arg(axes.y()).arg(axes.width()).arg(axes.height())));
    for (int j = 0; j < i; ++j)
      QVERIFY2(!r.intersects(plot.markerLabelRect(j)), qPrintable(QStringLiteral("labels %1 and %2 overlap").arg(j).arg(i)));
  }
  QVERIFY2(shown >= mustShow, qPrintable(QStringLiteral("%1 of %2 labels shown").arg(shown).arg(plot.markerCount())));
}

}  // namespace

class CurveViewsTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;
  ui::SessionController* c() const { return mWindow->controller(); }

 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
  void cleanupTestCase() { delete mWindow; }

  void smoothingIsAnEmaOverTheRawCurve() {
    ui::SeriesPlot plot(QStringLiteral("Loss"), QStringLiteral("step"), QStringLiteral("loss"));
    const int s = plot.addSeries(QStringLiteral("train"), Qt::blue, {false, Qt::SolidLine, 0.05, false});
    const int test = plot.addSeries(QStringLiteral("test"), Qt::red, {true, Qt::SolidLine, 1.0, false});
    QVERIFY(plot.rawGraph(s) && !plot.rawGraph(test));  // only smoothed series have a raw curve
    QCOMPARE(plot.legend->itemCount(), 2);               // the raw curve is not named twice
    QVERIFY(plot.rawGraph(s)->pen().color().alpha() < 128);  // faint
    QCOMPARE(plot.smoothing(), 0.95);
    for (int x = 1; x <= 100; ++x) plot.append(s, x, x % 2 ? 1.0 : 0.0);
    plot.setSmoothing(0.0);
    plot.prepareData();
    QCOMPARE(values(plot.seriesGraph(s)), values(plot.rawGraph(s)));
    QVERIFY(!plot.rawGraph(s)->visible());  // both curves would be the same
    plot.setSmoothing(0.9);
    plot.prepareData();
    QVERIFY(plot.rawGraph(s)->visible());
    double ema = 1.0;
    for (int x = 2; x <= 100; ++x) ema += 0.1 * ((x % 2 ? 1.0 : 0.0) - ema);
    const std::vector<double> smoothed = values(plot.seriesGraph(s));
    QCOMPARE(int(smoothed.size()), 100);
    QVERIFY2(std::abs(smoothed.back() - ema) < 1e-12, qPrintable(QString::number(smoothed.back())));
    plot.setSmoothing(5.0);  // out of range: held at TensorBoard's maximum
    QCOMPARE(plot.smoothing(), 0.99);
  }

  void logScaleShowsWholeDecades() {
    ui::SeriesPlot plot(QStringLiteral("Loss"), QStringLiteral("step"), QStringLiteral("loss"));
    const int s = plot.addSeries(QStringLiteral("train"), Qt::blue, {false, Qt::SolidLine, 0.05, false});
    for (int x = 1; x <= 200; ++x) plot.append(s, x, 2.3 * std::exp(-0.02 * x));
    plot.append(s, 201, 0.0);  // a zero has no place on a log axis and must not break it
    plot.setYFloor(0.0, 1.0);
    plot.resize(600, 400);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.setLogScale(true);
    QTRY_COMPARE(plot.yAxis->scaleType(), QCPAxis::stLogarithmic);
    QTRY_COMPARE(plot.yAxis->range().upper, 10.0);  // after the replot (250 ms at most)
    const QCPRange r = plot.yAxis->range();
    QCOMPARE(r.lower, 0.01);  // whole decades around the data (the smallest raw value: 0.042)
    QVERIFY(!plot.yAxis->ticker().dynamicCast<QCPAxisTickerLog>().isNull());
    plot.setLogScale(false);
    QTRY_COMPARE(plot.yAxis->range().lower, 0.0);
  }

  void markerLabelsStayApartAndInside() {
    ui::SeriesPlot plot(QStringLiteral("Loss"), QStringLiteral("step"), QStringLiteral("loss"));
    const int s = plot.addSeries(QStringLiteral("train"), Qt::blue);
    for (int x = 0; x <= 1000; x += 10) plot.append(s, x, 1.0 + 0.001 * x);
    plot.setPresentation(true);  // 18 px labels: what overlapped and ran off the edge
    plot.resize(640, 480);       // a plot of the presentation layout at 1920x1080
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    const QString label = QStringLiteral("Learning rate 0.001 → 0.01");
    for (int x : {300, 312, 324, 990}) plot.addMarker(x, label, Qt::darkBlue);  // close, and at the edge
    plot.addMarker(500, label.repeated(4), Qt::darkRed);  // wider than the axes: shortened
    QTest::qWait(400);
    plot.replot();
    checkMarkerLabels(plot, plot.markerCount());
    QVERIFY(plot.markerLabel(4).startsWith(label));  // the full text stays the marker's
    // Zoomed so that the first five share a few pixels: still no overlap; some may hide.
    plot.setFollowing(false);
    plot.xAxis->setRange(0, 100000);
    plot.replot();
    checkMarkerLabels(plot, 1);
    plot.clearMarkers(0);
    QCOMPARE(plot.markerCount(), 0);
  }

  void theWindowHasTheControls() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QVERIFY(moe::testing::openWindow(mWindow, moe::testing::longRunConfig()));
    ui::TrainingPanel* t = mWindow->trainingPanel();
    ui::CurveControls* controls = t->curveControls();
    QVERIFY(controls->isVisible());
    QCOMPARE(controls->smoothingSlider()->toolTip(), ui::settingHelp(QStringLiteral("Smoothing")));
    QCOMPARE(controls->logScaleBox()->toolTip(), ui::settingHelp(QStringLiteral("Log scale")));
    QVERIFY(!controls->smoothingSlider()->toolTip().isEmpty() && !controls->logScaleBox()->toolTip().isEmpty());
    c()->play();
    QTRY_VERIFY_WITH_TIMEOUT(t->lossPlot()->pointCount(0) >= 20, 60000);
    c()->pause();
    ui::SeriesPlot* loss = t->lossPlot();
    controls->smoothingSlider()->setValue(0);
    QTRY_VERIFY(values(loss->seriesGraph(0)) == values(loss->rawGraph(0)));
    controls->smoothingSlider()->setValue(90);
    QCOMPARE(loss->smoothing(), 0.9);
    QTRY_VERIFY(values(loss->seriesGraph(0)) != values(loss->rawGraph(0)));
    QVERIFY(loss->rawGraph(0)->visible());
    controls->logScaleBox()->click();
    for (ui::SeriesPlot* p : t->curvePlots()) QVERIFY(p->logScale());
    QTRY_COMPARE(loss->yAxis->scaleType(), QCPAxis::stLogarithmic);
    controls->logScaleBox()->click();
    QTRY_COMPARE(loss->yAxis->scaleType(), QCPAxis::stLinear);
  }

  void routingExportMatchesTheEvaluation() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QVERIFY(mWindow);
    QVERIFY(mWindow->findChild<QAction*>(QStringLiteral("exportRouting")));  // File menu
    QSignalSpy evals(c(), &ui::SessionController::evalAppended);
    c()->stepEpoch();
    QVERIFY(evals.wait(120000));
    QTRY_COMPARE_WITH_TIMEOUT(c()->state(), core::TrainerState::Paused, 60000);
    const auto report = c()->latestEval();
    QVERIFY(report && report->k >= 1);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("routing.csv"));
    QString error;
    long step = -1;
    QVERIFY2(ui::exportRoutingCsv(path, *c(), &error, &step), qPrintable(error));
    QCOMPARE(step, report->step);
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(std::size_t(lines.size() - 1), report->labels.size());
    const std::size_t k = std::size_t(report->k), experts = std::size_t(report->experts);
    for (std::size_t r = 0; r < report->labels.size(); ++r) {
      const QStringList col = lines[int(r) + 1].split(',');
      QCOMPARE(col[1].toInt(), report->labels[r]);
      QCOMPARE(col[3].toInt(), report->predictions[r]);
      QCOMPARE(col[5].toInt(), report->labels[r] == report->predictions[r] ? 1 : 0);
      // The same experts as the evaluation's, each with its gate, highest first.
      std::set<int> chosen, written;
      for (std::size_t j = 0; j < k; ++j)
        if (report->topExperts[r * k + j] >= 0) chosen.insert(report->topExperts[r * k + j]);
      float previous = 2.0f;
      for (std::size_t j = 0; j < k; ++j) {
        if (col[int(7 + 2 * j)].isEmpty()) continue;
        const int e = col[int(7 + 2 * j)].toInt();
        written.insert(e);
        const float gate = col[int(8 + 2 * j)].toFloat();
        QCOMPARE(gate, report->gateProbs[r * experts + std::size_t(e)]);
        QVERIFY(gate <= previous);
        previous = gate;
      }
      QVERIFY(chosen == written);
    }
  }

  void timeSliderScrubsHeatmapLoadAndGallery() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QVERIFY(mWindow);
    QSignalSpy evals(c(), &ui::SessionController::evalAppended);
    c()->stepEpoch();  // at least two evaluations to go between
    QVERIFY(evals.wait(120000));
    QTRY_COMPARE_WITH_TIMEOUT(c()->state(), core::TrainerState::Paused, 60000);
    const core::EvalArchive& archive = c()->evalArchive();
    QVERIFY(archive.size() >= 2);
    QVERIFY(archive.bytes() <= archive.budget());
    const long first = archive.at(0)->step;
    const long latest = c()->latestEval()->step;
    QCOMPARE(archive.at(archive.size() - 1)->step, latest);
    ui::TrainingPanel* t = mWindow->trainingPanel();
    auto* scrubber = t->findChild<ui::EvalScrubber*>();
    QVERIFY(scrubber && scrubber->isVisible());
    QVERIFY(!scrubber->slider()->toolTip().isEmpty());
    QCOMPARE(scrubber->slider()->value(), int(archive.size()) - 1);  // follows the latest
    QVERIFY(scrubber->shownText().contains(QString::number(latest)));
    scrubber->slider()->setValue(0);
    QVERIFY(c()->scrubbing());
    QCOMPARE(c()->shownEval()->step, first);
    QVERIFY(scrubber->shownText().startsWith(QStringLiteral("step %1 · 1 of").arg(first)));
    QVERIFY2(t->heatmap()->shownTitle().contains(QStringLiteral("test @ %1 (time slider)").arg(first)),
             qPrintable(t->heatmap()->shownTitle()));
    // The heatmap counts are the first evaluation's, not the latest's.
    QVERIFY(archive.at(0)->classExpert != c()->latestEval()->classExpert);
    bool cursor = false;
    for (int i = 0; i < t->loadPlot()->markerCount(); ++i)
      cursor = cursor || t->loadPlot()->markerLabel(i) == QStringLiteral("shown: step %1").arg(first);
    QVERIFY(cursor);
    // The gallery shows the same evaluation and says so; its own slider moved along.
    mWindow->tabs()->setCurrentWidget(mWindow->galleryPanel());
    QTRY_VERIFY(mWindow->galleryPanel()->headerText().contains(
        QStringLiteral("Evaluation at step %1 (time slider; the latest is at step %2)").arg(first).arg(latest)));
    auto* galleryScrubber = mWindow->galleryPanel()->findChild<ui::EvalScrubber*>();
    QVERIFY(galleryScrubber);
    QCOMPARE(galleryScrubber->slider()->value(), 0);
    galleryScrubber->latestButton()->click();
    QVERIFY(!c()->scrubbing());
    QTRY_VERIFY(mWindow->galleryPanel()->headerText().startsWith(QStringLiteral("Evaluation at step %1 (test split)").arg(latest)));
    // Every expert's class bar starts at the same x: one with "497 inputs" started 24 px left.
    QSet<int> starts;
    for (ui::ClassMixBar* bar : mWindow->galleryPanel()->findChildren<ui::ClassMixBar*>())
      starts.insert(bar->mapTo(mWindow->galleryPanel(), QPoint(0, 0)).x());
    QCOMPARE(starts.size(), 1);
    mWindow->tabs()->setCurrentIndex(0);
    QCOMPARE(scrubber->slider()->value(), int(archive.size()) - 1);
    QVERIFY(t->heatmap()->shownTitle().contains(QStringLiteral("test @ %1").arg(latest)));
    QVERIFY(!t->heatmap()->shownTitle().contains(QStringLiteral("time slider")));
    for (int i = 0; i < t->loadPlot()->markerCount(); ++i) QVERIFY(!t->loadPlot()->markerLabel(i).startsWith(QStringLiteral("shown:")));
  }

  void gateHistogramPerEvaluation() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QVERIFY(mWindow);
    const core::EvalArchive& archive = c()->evalArchive();
    ui::GateHistogramPlot* h = mWindow->routerHealthPanel()->gateHistogramPlot();
    QCOMPARE(std::size_t(h->evaluations()), archive.size());  // one column per evaluation
    for (int col = 0; col < h->evaluations(); ++col) {
      const auto report = archive.at(std::size_t(col));
      QCOMPARE(h->stepOf(col), report->step);
      double sum = 0.0;
      for (int b = 0; b < ui::GateHistogramPlot::kBins; ++b) sum += h->share(col, b);
      QVERIFY(std::abs(sum - 1.0) < 1e-9);
      // The lowest band by hand: probabilities under 1/20.
      std::size_t low = 0;
      for (float p : report->gateProbs) low += p < 1.0f / ui::GateHistogramPlot::kBins ? 1 : 0;
      QVERIFY(std::abs(h->share(col, 0) - double(low) / double(report->gateProbs.size())) < 1e-9);
    }
    QVERIFY(!h->toolTip().isEmpty());
  }

  // Hand-made evaluations: one column each on a value axis covering both ranges, the shares of
  // a column's own bands as counted, the empty plot saying why it is empty.
  void logitHistogramSpreadsColumnsOnOneAxis() {
    ui::LogitHistogramPlot plot;
    plot.resize(700, 400);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    core::EvalArchive archive;
    plot.setEvaluations(archive);
    QVERIFY(plot.emptyHintShown());  // before the first evaluation: what will appear
    auto noRouter = std::make_shared<core::EvalReport>();
    noRouter->step = 10;
    archive.add(noRouter);
    plot.setEvaluations(archive);
    QCOMPARE(plot.evaluations(), 0);
    QVERIFY(plot.emptyHintShown());  // evaluations without logits (hme, dense): says so
    auto early = std::make_shared<core::EvalReport>(), late = std::make_shared<core::EvalReport>();
    early->step = 100;
    early->routerLogits = core::logitHistogram(std::vector<float>{-1.0f, 0.0f, 0.0f, 1.0f});
    late->step = 200;
    late->routerLogits = core::logitHistogram(std::vector<float>{-4.0f, 2.0f, 4.0f});
    archive.add(early);
    archive.add(late);
    plot.setEvaluations(archive);
    QCOMPARE(plot.evaluations(), 2);
    QCOMPARE(plot.stepOf(0), 100L);
    QCOMPARE(plot.stepOf(1), 200L);
    QVERIFY(!plot.emptyHintShown());
    QCOMPARE(plot.lowest(), -4.0);
    QCOMPARE(plot.highest(), 4.0);
    QCOMPARE(plot.share(0, early->routerLogits.binOf(0.0f)), 0.5);
    QCOMPARE(plot.share(1, core::LogitHistogram::kBins - 1), 1.0 / 3.0);
    QVERIFY(plot.shownTitle().contains(QStringLiteral("step 200")));  // the newest's figures
    QVERIFY(plot.shownTitle().contains(QStringLiteral("mean 0.67")));
    QVERIFY(!plot.toolTip().isEmpty());
    plot.clear();
    QCOMPARE(plot.evaluations(), 0);
    QVERIFY(plot.emptyHintShown());
  }

  // In the window: beside the gate's histogram, a column per kept evaluation, each the
  // evaluation's own logits, drawn in colour on the Router health tab.
  void logitHistogramPerEvaluation() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QVERIFY(mWindow);
    const core::EvalArchive& archive = c()->evalArchive();
    QVERIFY(!archive.empty());
    ui::LogitHistogramPlot* h = mWindow->routerHealthPanel()->logitHistogramPlot();
    QCOMPARE(std::size_t(h->evaluations()), archive.size());
    for (int col = 0; col < h->evaluations(); ++col) {
      const auto report = archive.at(std::size_t(col));
      const core::LogitHistogram& logits = report->routerLogits;
      QCOMPARE(h->stepOf(col), report->step);
      // Every routed (test input, expert) pair is counted: 10,000 test images x the experts.
      QCOMPARE(logits.total, std::int64_t(report->gateProbs.size()));
      QVERIFY(h->lowest() <= logits.lo && h->highest() >= logits.hi);
      for (int b = 0; b < core::LogitHistogram::kBins; ++b)
        QCOMPARE(h->share(col, b), double(logits.counts[std::size_t(b)]) / double(logits.total));
    }
    mWindow->tabs()->setCurrentWidget(mWindow->routerHealthPanel());
    QTRY_VERIFY(h->isVisible());
    QVERIFY(!h->emptyHintShown());
    QVERIFY(h->shownTitle().contains(QStringLiteral("step %1").arg(archive.at(archive.size() - 1)->step)));
    // It draws: the colour map paints the axes in more than a few colours.
    const QImage image = h->toPixmap(h->width(), h->height()).toImage();
    const QRect axes = h->axisRect()->rect();
    std::set<QRgb> colours;
    for (int y = axes.top() + 2; y < axes.bottom() - 2; y += 3)
      for (int x = axes.left() + 2; x < axes.right() - 2; x += 3) colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() >= 4, qPrintable(QStringLiteral("%1 colours in the axes").arg(colours.size())));
    mWindow->tabs()->setCurrentIndex(0);
  }

  void liveChangesAreMarkedWithOldAndNewValue() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QVERIFY(mWindow);
    auto* lr = mWindow->findChild<QDoubleSpinBox*>(QStringLiteral("learningRate"));
    QVERIFY(lr);
    const double before = lr->value();
    c()->play();
    QTRY_VERIFY_WITH_TIMEOUT(c()->snapshot().step > 30, 60000);
    lr->setValue(before * 10);  // as the spin box does when the user is done typing
    const QString expected = ui::liveChangeLabel({0, ui::SessionController::Live::LearningRate, before, before * 10});
    QVERIFY(expected.contains(QString::number(before, 'g', 4)) && expected.contains(QString::number(before * 10, 'g', 4)));
    ui::TrainingPanel* t = mWindow->trainingPanel();
    std::vector<ui::PlotView*> plots{t->lossPlot(), t->accuracyPlot(), t->loadPlot(), t->imbalancePlot(), t->auxPlot(),
                                     mWindow->routerHealthPanel()->stabilityPlot(),
                                     mWindow->routerHealthPanel()->gradientPlot()};
    for (ui::PlotView* p : plots) {
      bool found = false;
      for (int i = 0; i < p->markerCount(); ++i) found = found || p->markerLabel(i) == expected;
      QVERIFY2(found, qPrintable(p->title() + QStringLiteral(" has no marker ") + expected));
    }
    QCOMPARE(c()->liveChanges().size(), std::size_t(1));
    QVERIFY(c()->liveChanges().front().step > 30);
    // The marker is drawn at its step, with its label inside the axes.
    QTest::qWait(600);
    t->lossPlot()->replot();
    checkMarkerLabels(*t->lossPlot(), 1);
    // A new session has no changes yet.
    QSignalSpy ready(c(), &ui::SessionController::sessionReady);
    c()->reset();
    QVERIFY(ready.wait(60000));
    QVERIFY(c()->liveChanges().empty());
    for (int i = 0; i < t->lossPlot()->markerCount(); ++i) QVERIFY(t->lossPlot()->markerLabel(i) != expected);
  }
};

QTEST_MAIN(CurveViewsTest)
#include "test_curveviews.moc"
