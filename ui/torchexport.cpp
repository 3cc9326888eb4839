#include "ui/torchexport.h"

#include <QFileDialog>
#include <QSettings>

#include "core/train/torch_export.h"
#include "core/train/trainer.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

QString exportForPytorch(SessionController& controller, const QString& path) {
  core::Trainer* trainer = controller.trainer();
  if (!trainer) return QObject::tr("there is no model yet: start or load one first");
  const std::string file = path.toStdString();
  try {
    // On the trainer's thread, between two steps: the weights of one step, not of half of one.
    trainer->post([file](core::Session& s) { core::exportSafetensors(s, file); }).get();
  } catch (const std::exception& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

void exportForPytorchDialog(QWidget* parent, SessionController& controller,
                            const std::function<void(const QString&, bool)>& report) {
  QSettings settings;
  const QString path = QFileDialog::getSaveFileName(
      parent, QObject::tr("Export for PyTorch (safetensors + JSON config)"),
      settings.value(QStringLiteral("paths/torch"), QStringLiteral("model.safetensors")).toString(),
      QObject::tr("safetensors (*.safetensors);;All files (*)"));
  if (path.isEmpty()) return;
  settings.setValue(QStringLiteral("paths/torch"), path);
  const QString error = exportForPytorch(controller, path);
  if (!error.isEmpty()) {
    report(QObject::tr("Export for PyTorch failed: %1").arg(error), true);
    return;
  }
  report(QObject::tr("Exported %1 and %2: scripts/to_pytorch.py %1 builds the torch.nn model")
             .arg(path, QString::fromStdString(core::torchConfigPath(path.toStdString()))),
         false);
}

}  // namespace moe::ui
