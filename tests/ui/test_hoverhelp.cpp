// Hover help on every metric and setting: each plotted metric of the table has a sentence
// saying what it measures and what a good value is, every plot of the Training tab shows the
// sentences of its curves, and every setting in the setup panel (field and label) has one.
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QStandardPaths>
#include <QtTest>

#include "core/train/metric_table.h"
#include "tests/core/dataset_skips.h"
#include "tests/ui/window_fixture.h"
#include "ui/hoverhelp.h"
#include "ui/heatmapwidget.h"
#include "ui/mainwindow.h"
#include "ui/rangedspinbox.h"
#include "ui/seriesplot.h"
#include "ui/plotview.h"
#include "ui/setuppanel.h"
#include "ui/trainingpanel.h"

using namespace moe;

class HoverHelpTest : public QObject {
  Q_OBJECT

 private:
  ui::MainWindow* mWindow = nullptr;

 private Q_SLOTS:
  void everyPlottedMetricExplainsItself() {
    for (const core::MetricDef& def : core::metricTable()) {
      if (!def.has(core::kPlotted)) continue;
      const std::string key = core::metricKey(def);
      QVERIFY2(ui::metricHelp(key).size() > 40, key.c_str());
    }
  }

  void initTestCase() {
    MOE_SKIP_WITHOUT_FASHION_MNIST();
    QStandardPaths::setTestModeEnabled(true);
    core::TrainConfig config;
    config.maxTrain = 1024;
    config.threads = 1;
    QVERIFY(moe::testing::openWindow(mWindow, config));
  }
  void cleanupTestCase() { delete mWindow; }

  void everyPlotNamesWhatItsCurvesMean() {
    QStringList tips;
    for (ui::PlotView* p : mWindow->trainingPanel()->plots()) {
      QVERIFY2(!p->toolTip().isEmpty(), qPrintable(p->title()));
      tips << p->toolTip();
    }
    tips << mWindow->trainingPanel()->biasPlot()->toolTip();  // shown once a run has a bias
    const QString all = tips.join(QLatin1Char('\n'));
    for (const QString& key : mWindow->trainingPanel()->curveKeys())
      QVERIFY2(all.contains(ui::metricHelp(key.toStdString())), qPrintable(key));
    QVERIFY(mWindow->trainingPanel()->heatmap()->toolTip().contains(QStringLiteral("log2")));
  }

  void everySettingExplainsItself() {
    ui::SetupPanel* setup = mWindow->setupPanel();
    int fields = 0;
    for (QFormLayout* form : setup->findChildren<QFormLayout*>()) {
      for (int row = 0; row < form->rowCount(); ++row) {
        QLayoutItem* label = form->itemAt(row, QFormLayout::LabelRole);
        QLayoutItem* field = form->itemAt(row, QFormLayout::FieldRole);
        if (!label || !field) continue;
        const QString name = qobject_cast<QLabel*>(label->widget())->text();
        QVERIFY2(!label->widget()->toolTip().isEmpty(), qPrintable(name));
        QVERIFY2(!ui::settingHelp(name).isEmpty(), qPrintable(name));
        ++fields;
      }
    }
    QVERIFY(fields >= 25);
    for (QAbstractSpinBox* box : setup->findChildren<QAbstractSpinBox*>())
      QVERIFY2(!box->toolTip().isEmpty(), qPrintable(ui::settingName(box)));
    for (QComboBox* combo : setup->findChildren<QComboBox*>())
      QVERIFY2(!combo->toolTip().isEmpty(), qPrintable(combo->objectName()));
  }
};

QTEST_MAIN(HoverHelpTest)
#include "test_hoverhelp.moc"
