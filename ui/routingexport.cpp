#include "ui/routingexport.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>

#include "core/data/dataset.h"
#include "core/train/routing_csv.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

bool exportRoutingCsv(const QString& path, const SessionController& controller, QString* error, long* step) {
  const auto report = controller.latestEval();
  const auto data = controller.data();
  if (!report || !data) {
    if (error) *error = QObject::tr("no evaluation yet: train until the first evaluation, then export");
    return false;
  }
  try {
    core::writeRoutingCsvFile(path.toStdString(), *report, data->test.classNames);
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
  if (step) *step = report->step;
  return true;
}

void exportRoutingDialog(QWidget* parent, const SessionController& controller,
                         const std::function<void(const QString&, bool)>& done) {
  QSettings settings;
  QString path = QFileDialog::getSaveFileName(
      parent, QObject::tr("Export routing per input"),
      settings.value(QStringLiteral("paths/export")).toString() + QStringLiteral("/routing.csv"),
      QObject::tr("CSV (*.csv)"));
  if (path.isEmpty()) return;
  if (!path.endsWith(QLatin1String(".csv"))) path += QStringLiteral(".csv");
  settings.setValue(QStringLiteral("paths/export"), QFileInfo(path).absolutePath());
  QString error;
  long step = 0;
  if (exportRoutingCsv(path, controller, &error, &step))
    done(QObject::tr("Exported the routing of every test input (evaluation at step %1) to %2").arg(step).arg(path), false);
  else
    done(QObject::tr("Export failed: %1").arg(error), true);
}

}  // namespace moe::ui
