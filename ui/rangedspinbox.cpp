#include "ui/rangedspinbox.h"

#include <QFormLayout>
#include <QLabel>

namespace moe::ui {

namespace {

// The number typed, without the box's prefix and suffix; nullopt when it is no number.
std::optional<double> typedNumber(const QAbstractSpinBox* box, QString text, const QString& prefix,
                                  const QString& suffix) {
  if (!prefix.isEmpty() && text.startsWith(prefix)) text.remove(0, prefix.size());
  if (!suffix.isEmpty() && text.endsWith(suffix)) text.chop(suffix.size());
  text = text.trimmed();
  bool ok = false;
  double v = box->locale().toDouble(text, &ok);
  if (!ok) v = text.toDouble(&ok);
  if (!ok) return std::nullopt;
  return v;
}

// A number as a student reads it: 0.000001, 10, 0.25 (no exponent, no trailing zeros).
QString plain(double v) {
  QString s = QString::number(v, 'f', 6);
  if (s.contains(QLatin1Char('.'))) {
    while (s.endsWith(QLatin1Char('0'))) s.chop(1);
    if (s.endsWith(QLatin1Char('.'))) s.chop(1);
  }
  return s;
}

// Out of range (not merely unfinished, like "-" or "1e"): report it and show the value kept.
template <typename Box>
bool refuseOutOfRange(const Box* box, const QString& text) {
  const auto v = typedNumber(box, text, box->prefix(), box->suffix());
  if (!v || (*v >= double(box->minimum()) && *v <= double(box->maximum()))) return false;
  Q_EMIT box->refused(refusalMessage(box, text.trimmed(), double(box->minimum()),
                                     double(box->maximum()), double(box->value())));
  return true;
}

}  // namespace

QString settingName(const QWidget* field) {
  for (const QWidget* w = field; w && w->parentWidget(); w = w->parentWidget()) {
    if (auto* form = qobject_cast<QFormLayout*>(w->parentWidget()->layout())) {
      if (auto* label = qobject_cast<QLabel*>(form->labelForField(const_cast<QWidget*>(w)))) {
        QString name = label->text();
        name.remove(QStringLiteral(" ⚡"));
        name.remove(QLatin1Char('&'));
        return name;
      }
    }
    if (w != field) break;  // only the field itself or its direct row
  }
  return field->accessibleName().isEmpty() ? QObject::tr("This setting") : field->accessibleName();
}

QString refusalMessage(const QWidget* field, const QString& typed, double min, double max,
                       double kept) {
  return QObject::tr("%1 takes %2 to %3: %4 was not applied, it stays %5.")
      .arg(settingName(field), plain(min), plain(max), typed, plain(kept));
}

QValidator::State RangedSpinBox::validate(QString& text, int& pos) const {
  const QValidator::State state = QSpinBox::validate(text, pos);
  // Let an out-of-range number be typed (Qt drops the keystroke): fixup() refuses it aloud.
  if (state == QValidator::Invalid && typedNumber(this, text, prefix(), suffix()))
    return QValidator::Intermediate;
  return state;
}

void RangedSpinBox::fixup(QString& text) const {
  if (refuseOutOfRange(this, text)) text = prefix() + textFromValue(value()) + suffix();
  QSpinBox::fixup(text);
}

QValidator::State RangedDoubleSpinBox::validate(QString& text, int& pos) const {
  const QValidator::State state = QDoubleSpinBox::validate(text, pos);
  if (state == QValidator::Invalid && typedNumber(this, text, prefix(), suffix()))
    return QValidator::Intermediate;
  return state;
}

void RangedDoubleSpinBox::fixup(QString& text) const {
  if (refuseOutOfRange(this, text)) text = prefix() + textFromValue(value()) + suffix();
  QDoubleSpinBox::fixup(text);
}

}  // namespace moe::ui
