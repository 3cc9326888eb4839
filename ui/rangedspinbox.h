#pragma once
#include <QDoubleSpinBox>
#include <QSpinBox>

namespace moe::ui {

/**
 * Spin boxes that say when they refuse a typed value. A plain QSpinBox drops a keystroke that
 * would leave its range (typing 100 into a box of 0..10 shows "10") and silently reverts an
 * unfinished entry; these let the number be typed, and when it is out of range they keep the
 * value they had and emit refused() with a sentence naming the setting (its form label), its
 * range and the value kept: what the box shows is always what runs.
 */
class RangedSpinBox : public QSpinBox {
  Q_OBJECT

 public:
  /** Without keyboard tracking: "999" typed into 1..256 must not pass through 99 on its way. */
  explicit RangedSpinBox(QWidget* parent = nullptr) : QSpinBox(parent) { setKeyboardTracking(false); }
  QValidator::State validate(QString& text, int& pos) const override;
  void fixup(QString& text) const override;

 Q_SIGNALS:
  void refused(const QString& message) const;
};

/** RangedSpinBox for decimals (learning rate, loss weights, capacity factor, noise). */
class RangedDoubleSpinBox : public QDoubleSpinBox {
  Q_OBJECT

 public:
  explicit RangedDoubleSpinBox(QWidget* parent = nullptr) : QDoubleSpinBox(parent) {
    setKeyboardTracking(false);
  }
  QValidator::State validate(QString& text, int& pos) const override;
  void fixup(QString& text) const override;

 Q_SIGNALS:
  void refused(const QString& message) const;
};

/** The setting's name as its form shows it ("Learning rate"), or its accessible name. */
QString settingName(const QWidget* field);
/** "Learning rate takes 0.000001 to 10: 100 was not applied, it stays 0.001." */
QString refusalMessage(const QWidget* field, const QString& typed, double min, double max,
                       double kept);

}  // namespace moe::ui
