// The window's menus and the file dialogs and exports behind them (File, Train, View, Help).
#include <QAction>
#include <QDir>
#include <QFileInfo>
#include <QFileDialog>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>

#include "core/data/dataset_table.h"
#include "ui/controlbar.h"
#include "ui/mainwindow.h"
#include "ui/messagebanner.h"
#include "ui/plotview.h"
#include "ui/presentationmode.h"
#include "ui/routingexport.h"
#include "ui/sessioncontroller.h"
#include "ui/sessionio.h"
#include "ui/setuppanel.h"
#include "ui/torchexport.h"
#include "ui/trainingpanel.h"

namespace moe::ui {

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  // One entry per Open action of the dataset table (core/data/dataset_table.h).
  for (const core::OpenAction* action : core::openActions())
    file->addAction(tr("Open %1…").arg(QString::fromUtf8(action->label)), mSetup,
                    [this, action] { mSetup->openDataset(*action); });
  file->addSeparator();
  file->addAction(tr("&Save session…"), QKeySequence::Save, this, &MainWindow::saveSessionDialog);
  file->addAction(tr("&Load session…"), QKeySequence::Open, this, &MainWindow::loadSessionDialog);
  file->addAction(tr("Open run &history…"), this, &MainWindow::openRunHistoryDialog);
  file->addSeparator();
  file->addAction(tr("Export metrics as &CSV…"), QKeySequence(Qt::CTRL | Qt::Key_E), this,
                  &MainWindow::exportMetricsDialog);
  file->addAction(tr("Export &routing per input as CSV…"), this, [this] {
    exportRoutingDialog(this, *mController, [this](const QString& m, bool bad) {
      if (bad) mBanner->showMessage(m, true); else statusBar()->showMessage(m, 8000);
    });
  })->setObjectName(QStringLiteral("exportRouting"));
  file->addAction(tr("Export all &plots (PNG + PDF)…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E),
                  this, &MainWindow::exportPlotsDialog);
  file->addAction(tr("Export for P&yTorch (safetensors)…"), this, [this] {
    exportForPytorchDialog(this, *mController,
                           [this](const QString& text, bool error) { mBanner->showMessage(text, error); });
  });
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* train = menuBar()->addMenu(tr("&Train"));
  for (QAction* a : {mControls->playAction(), mControls->stepBatchAction(),
                     mControls->stepEpochAction(), mControls->resetAction(), mControls->stopAction()})
    train->addAction(a);
  train->addSeparator();
  train->addAction(tr("Apply settings"), mSetup, &SetupPanel::applyRequested);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  const QStringList names = {tr("Training"), tr("Inspector"), tr("Expert gallery"),
                             tr("Router health"), tr("Playground")};
  for (int i = 0; i < names.size(); ++i) {
    view->addAction(names[i], QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)), this,
                    [this, i] { mTabs->setCurrentIndex(i); });
  }
  view->addSeparator();
  view->addAction(mPresentation->action());
  view->addAction(tr("Follow data on all plots"), QKeySequence(Qt::CTRL | Qt::Key_0), this, [this] {
    for (PlotView* p : mTraining->plots()) p->setFollowing(true);
  });

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About MoE Explorer"), this, [this] {
    QMessageBox::about(this, tr("About MoE Explorer"),
                       tr("<h3>MoE Explorer</h3><p>Train Mixture-of-Experts models live and watch "
                          "the gate decide.</p><p>Space: play/pause · . step batch · Ctrl+. step "
                          "epoch · Ctrl+R reset · drag/wheel on a plot to pan/zoom, double-click "
                          "to follow the data, right-click to export.</p>"));
  });
}

bool MainWindow::exportMetrics(const QString& path) {
  QString error;
  if (exportMetricsCsv(path, mController->history(), &error)) {
    statusBar()->showMessage(tr("Metrics written to %1").arg(path), 5000);
    return true;
  }
  mBanner->showMessage(tr("Export failed: %1").arg(error), true);
  return false;
}

QStringList MainWindow::exportPlots(const QString& dir) {
  QStringList written;
  QStringList failed;
  QDir().mkpath(dir);
  for (PlotView* p : mTraining->plots()) {
    for (const char* suffix : {"png", "pdf"}) {
      const QString path = QDir(dir).filePath(p->slug() + QLatin1Char('.') + QLatin1String(suffix));
      QString error;
      if (p->exportTo(path, &error))
        written << path;
      else
        failed << error;
    }
  }
  if (!failed.isEmpty()) mBanner->showMessage(tr("Export failed: %1").arg(failed.join(QStringLiteral("; "))), true);
  return written;
}

void MainWindow::saveSessionDialog() {
  QSettings settings;
  const QString dir = QFileDialog::getSaveFileName(
      this, tr("Save session (a folder)"), settings.value(QStringLiteral("paths/session")).toString());
  if (dir.isEmpty()) return;
  settings.setValue(QStringLiteral("paths/session"), dir);
  saveSession(dir);
}

void MainWindow::loadSessionDialog() {
  QSettings settings;
  const QString dir = QFileDialog::getExistingDirectory(
      this, tr("Load session folder"), settings.value(QStringLiteral("paths/session")).toString());
  if (dir.isEmpty()) return;
  settings.setValue(QStringLiteral("paths/session"), dir);
  loadSession(dir);
}

void MainWindow::openRunHistoryDialog() {
  QSettings settings;
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open run history (moe-train --history, or a session's history.jsonl)"),
      settings.value(QStringLiteral("paths/session")).toString(),
      tr("Run history (*.jsonl);;All files (*)"));
  if (path.isEmpty()) return;
  settings.setValue(QStringLiteral("paths/session"), QFileInfo(path).absolutePath());
  openRunHistory(path);
}

void MainWindow::exportMetricsDialog() {
  QSettings settings;
  QString path = QFileDialog::getSaveFileName(
      this, tr("Export metrics"), settings.value(QStringLiteral("paths/export")).toString() +
                                      QStringLiteral("/metrics.csv"),
      tr("CSV (*.csv)"));
  if (path.isEmpty()) return;
  if (!path.endsWith(QLatin1String(".csv"))) path += QStringLiteral(".csv");
  settings.setValue(QStringLiteral("paths/export"), QFileInfo(path).absolutePath());
  exportMetrics(path);
}

void MainWindow::exportPlotsDialog() {
  QSettings settings;
  const QString dir = QFileDialog::getExistingDirectory(
      this, tr("Export all plots to"), settings.value(QStringLiteral("paths/export")).toString());
  if (dir.isEmpty()) return;
  settings.setValue(QStringLiteral("paths/export"), dir);
  const QStringList written = exportPlots(dir);
  statusBar()->showMessage(tr("%n file(s) written to %1", nullptr, int(written.size())).arg(dir), 5000);
}

}  // namespace moe::ui
