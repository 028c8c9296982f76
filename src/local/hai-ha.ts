/**
 * Hải Hà district (Quảng Ninh), as in the Hải Hà table for 06/01/2022–12/01/2022 (../shared/seeds, 004):
 * checkpoints created, created in the 7 days, check-ins and active checkpoints per commune. The demo seeds
 * a scaled-down copy of this district.
 */
export const HAI_HA = { id: 'hai-ha', name: 'Huyện Hải Hà' };

export const HAI_HA_COMMUNES = [
  { id: 'quang-ha', name: 'Thị trấn Quảng Hà', created: 2777, createdNew: 11, checkins: 62735, active: 443 },
  { id: 'cai-chien', name: 'Xã Cái Chiên', created: 114, createdNew: 2, checkins: 87, active: 12 },
  { id: 'duong-hoa', name: 'Xã Đường Hoa', created: 435, createdNew: 0, checkins: 896, active: 43 },
  { id: 'quang-chinh', name: 'Xã Quảng Chính', created: 668, createdNew: 5, checkins: 772, active: 87 },
  { id: 'quang-duc', name: 'Xã Quảng Đức', created: 280, createdNew: 6, checkins: 1073, active: 49 },
  { id: 'quang-long', name: 'Xã Quảng Long', created: 408, createdNew: 3, checkins: 755, active: 38 },
  { id: 'quang-minh', name: 'Xã Quảng Minh', created: 601, createdNew: 3, checkins: 1407, active: 81 },
  { id: 'quang-phong', name: 'Xã Quảng Phong', created: 472, createdNew: 2, checkins: 3226, active: 45 },
  { id: 'quang-son', name: 'Xã Quảng Sơn', created: 183, createdNew: 4, checkins: 680, active: 14 },
  { id: 'quang-thanh', name: 'Xã Quảng Thành', created: 376, createdNew: 1, checkins: 424, active: 46 },
  { id: 'quang-thinh', name: 'Xã Quảng Thịnh', created: 154, createdNew: 0, checkins: 365, active: 16 },
] as const;

export const PLACES = [
  { kind: 'state-office', names: ['UBND', 'Công an', 'Trạm Y tế', 'Bưu điện'] },
  { kind: 'school', names: ['Trường Mầm non', 'Trường Tiểu học', 'Trường THCS'] },
  { kind: 'shop', names: ['Cửa hàng tạp hóa', 'Cửa hàng điện thoại', 'Hiệu thuốc'] },
  { kind: 'market', names: ['Chợ'] },
  { kind: 'restaurant', names: ['Quán phở', 'Nhà hàng hải sản', 'Quán cà phê'] },
  { kind: 'factory', names: ['Xưởng may', 'Nhà máy chế biến thủy sản'] },
  { kind: 'hotel', names: ['Nhà nghỉ', 'Khách sạn'] },
] as const;
