#!/usr/bin/env node
// A MAVLink 2 multicopter that is not Odyssey's code: node-mavlink encodes, decodes and signs every frame; this file
// is only the vehicle's behaviour, modelled on PX4 (its custom modes, landed states and command answers). It streams a
// signed HEARTBEAT, GLOBAL_POSITION_INT, SYS_STATUS and EXTENDED_SYS_STATE at PX4's usual rates (changed by
// MAV_CMD_SET_MESSAGE_INTERVAL), flies, answers COMMAND_LONG / COMMAND_INT with COMMAND_ACK and acts on them (arm,
// take-off, reposition, hold/continue, change speed, return to launch, land, mission start), and takes missions with the
// mission protocol (MISSION_COUNT -> MISSION_REQUEST_INT -> MISSION_ITEM_INT ... -> MISSION_ACK), then reports
// MISSION_CURRENT and MISSION_ITEM_REACHED while it flies them.
//
//   VEHICLE_KEY=<64 hex digits> node vehicle.mjs --edge 127.0.0.1:14550 --system-id 1 [--lat 52.52 --lon 13.405]
//     [--on-ground] [--link-id 0] [--accept-unsigned] [--rtl-land-delay S] [--stop-with-stdin]
//
// --rtl-land-delay is PX4's RTL_LAND_DELAY: after a return it lands at once (0, the default), after S seconds, or
// never (-1: it holds over home until told to land).
// Without VEHICLE_KEY it sends unsigned frames. With a key it takes only frames signed with it (as a vehicle with
// signing on does), unless --accept-unsigned. What it does is printed as one JSON object per line on standard output
// ({"event": ...}), for a test to follow; it stops on SIGTERM or SIGINT, and with --stop-with-stdin when its standard
// input closes.
import dgram from 'node:dgram'
import {
  MavLinkPacketSplitter, MavLinkPacketParser, MavLinkProtocolV2, MavLinkPacketSignature, minimal, common,
} from 'node-mavlink'

const REGISTRY = { ...minimal.REGISTRY, ...common.REGISTRY }
const { MavCmd, MavResult, MavLandedState, MavMissionResult, MavFrame } = common
const SIGNING_EPOCH_MS = Date.UTC(2015, 0, 1)
const METRES_PER_DEGREE = 111_320
const TICK_MS = 100
const HOME_AMSL_M = 34
const DEFAULT_TAKEOFF_M = 30
const RTL_MIN_ALT_M = 20
const CLIMB_MPS = 3
const DESCEND_MPS = 1.5
const ORBIT_RADIUS_M = 60
const MISSION_RETRY_MS = 1500
const MISSION_TRIES = 5
/** A retried command (confirmation > 0) this soon after the same one is answered again, not executed again. */
const RETRY_WINDOW_MS = 5000
/** PX4's main modes (bits 16..23 of custom_mode) and AUTO's sub modes (bits 24..31). */
const PX4_MODE = {
  POSCTL: [3, 0], TAKEOFF: [4, 2], LOITER: [4, 3], MISSION: [4, 4], RTL: [4, 5], LAND: [4, 6],
}

function option(name, fallback) {
  const i = process.argv.indexOf(name)
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback
}
const flag = name => process.argv.includes(name)

const [edgeHost, edgePortText] = (option('--edge', '127.0.0.1:14550')).split(/:(?=[^:]+$)/)
const edgePort = Number(edgePortText)
const systemId = Number(option('--system-id', '1'))
const linkId = Number(option('--link-id', '0'))
const acceptUnsigned = flag('--accept-unsigned')
const rtlLandDelayS = Number(option('--rtl-land-delay', '0'))
const keyHex = process.env.VEHICLE_KEY ?? ''
if (!(systemId >= 1 && systemId <= 255) || !(edgePort > 0 && edgePort < 65536) || (keyHex && !/^[0-9a-fA-F]{64}$/.test(keyHex))) {
  console.error('usage: VEHICLE_KEY=<64 hex> node vehicle.mjs --edge HOST:PORT --system-id 1..255 [--lat D --lon D] ' +
    '[--on-ground] [--link-id N] [--accept-unsigned]')
  process.exit(2)
}
const key = keyHex ? Buffer.from(keyHex, 'hex') : null

const emit = (event, fields = {}) => process.stdout.write(JSON.stringify({ event, ...fields }) + '\n')

// --- the vehicle's state -----------------------------------------------------------------------------------------
const home = { lat: Number(option('--lat', '52.52')), lon: Number(option('--lon', '13.405')) }
const onGround = flag('--on-ground')
const vehicle = {
  // In the air it starts on its orbit, 60 m north of home; on the ground, at home.
  lat: home.lat + (onGround ? 0 : ORBIT_RADIUS_M / METRES_PER_DEGREE), lon: home.lon, alt: onGround ? 0 : 40,
  armed: !onGround, landed: onGround ? MavLandedState.ON_GROUND : MavLandedState.IN_AIR,
  mode: onGround ? 'LOITER' : 'POSCTL',                            // POSCTL: its pilot flies it in circles
  speed: 8, vn: 0, ve: 0, vd: 0, heading: 0, battery: 95,
  target: null,                                                    // { lat, lon, alt } for LOITER, RTL's leg, LAND
  takeoffAlt: DEFAULT_TAKEOFF_M, orbitAngle: 0, homeSince: null,
  mission: [], current: 0, missionActive: false, pausedMode: null,
}
const bootMs = Date.now()

// --- frames out --------------------------------------------------------------------------------------------------
const socket = dgram.createSocket('udp4')
let sequence = 0
let lastSigningStamp = 0

/** 10 us units since 2015, strictly growing: frames in the same millisecond must not share a timestamp. */
function signingStamp() {
  lastSigningStamp = Math.max(lastSigningStamp + 1, (Date.now() - SIGNING_EPOCH_MS) * 100)
  return lastSigningStamp
}

function send(message) {
  const protocol = new MavLinkProtocolV2(systemId, 1, key ? MavLinkProtocolV2.IFLAG_SIGNED : 0)
  let frame = protocol.serialize(message, sequence)
  sequence = (sequence + 1) & 0xff
  if (key) {
    frame = protocol.sign(frame, linkId, key)
    // node-mavlink stamps with Date.now(): a millisecond. Give the frame its own stamp and sign it again.
    const signature = new MavLinkPacketSignature(frame)
    signature.timestamp = signingStamp()
    signature.signature = signature.calculate(key)
  }
  socket.send(frame, edgePort, edgeHost)
}

function heartbeat() {
  const message = new minimal.Heartbeat()
  const [main, sub] = PX4_MODE[vehicle.mode]
  message.type = minimal.MavType.QUADROTOR
  message.autopilot = minimal.MavAutopilot.PX4
  message.baseMode = minimal.MavModeFlag.CUSTOM_MODE_ENABLED | minimal.MavModeFlag.STABILIZE_ENABLED |
    (main === 4 ? minimal.MavModeFlag.AUTO_ENABLED : 0) | (vehicle.armed ? minimal.MavModeFlag.SAFETY_ARMED : 0)
  message.customMode = ((sub << 24) | (main << 16)) >>> 0
  message.systemStatus = vehicle.armed && vehicle.landed !== MavLandedState.ON_GROUND ?
    minimal.MavState.ACTIVE : minimal.MavState.STANDBY
  message.mavlinkVersion = 3
  return message
}

function position() {
  const message = new common.GlobalPositionInt()
  message.timeBootMs = Date.now() - bootMs
  message.lat = Math.round(vehicle.lat * 1e7)
  message.lon = Math.round(vehicle.lon * 1e7)
  message.alt = Math.round((HOME_AMSL_M + vehicle.alt) * 1000)
  message.relativeAlt = Math.round(vehicle.alt * 1000)
  message.vx = Math.round(vehicle.vn * 100)
  message.vy = Math.round(vehicle.ve * 100)
  message.vz = Math.round(vehicle.vd * 100)
  message.hdg = Math.round(((vehicle.heading % 360) + 360) % 360 * 100) % 36000
  return message
}

function sysStatus() {
  const message = new common.SysStatus()
  message.voltageBattery = Math.round((13.2 + 3.6 * vehicle.battery / 100) * 1000)
  message.currentBattery = vehicle.armed ? 1500 : 50
  message.batteryRemaining = Math.round(vehicle.battery)
  message.load = 350
  return message
}

function extendedSysState() {
  const message = new common.ExtendedSysState()
  message.vtolState = common.MavVtolState.UNDEFINED
  message.landedState = vehicle.landed
  return message
}

function missionCurrent() {
  const message = new common.MissionCurrent()
  message.seq = Math.min(vehicle.current, Math.max(vehicle.mission.length - 1, 0))
  message.total = vehicle.mission.length
  message.missionState = vehicle.mission.length === 0 ? 1 : vehicle.missionActive ? 3 :
    vehicle.current >= vehicle.mission.length ? 5 : 2
  return message
}

// Message id -> [interval ms (0 = off), builder]; PX4's usual rates on a UDP ground-station link.
const streams = new Map([
  [minimal.Heartbeat.MSG_ID, [1000, heartbeat]],
  [common.GlobalPositionInt.MSG_ID, [200, position]],
  [common.SysStatus.MSG_ID, [1000, sysStatus]],
  [common.ExtendedSysState.MSG_ID, [1000, extendedSysState]],
  [common.MissionCurrent.MSG_ID, [1000, missionCurrent]],
])
const defaults = new Map([...streams].map(([id, [interval]]) => [id, interval]))
const lastSent = new Map()

function stream(now) {
  for (const [id, [interval, build]] of streams) {
    if (interval > 0 && now - (lastSent.get(id) ?? 0) >= interval) {
      lastSent.set(id, now)
      send(build())
    }
  }
}

// --- flying ------------------------------------------------------------------------------------------------------
function metresTo(lat, lon) {
  const north = (lat - vehicle.lat) * METRES_PER_DEGREE
  const east = (lon - vehicle.lon) * METRES_PER_DEGREE * Math.cos(vehicle.lat * Math.PI / 180)
  return { north, east, distance: Math.hypot(north, east) }
}

/** One tick towards a point; true once there (within 1 m across and 0.5 m up or down). */
function flyTowards(lat, lon, alt, dt) {
  const { north, east, distance } = metresTo(lat, lon)
  const step = Math.min(distance, vehicle.speed * dt)
  const fraction = distance > 0 ? step / distance : 0
  vehicle.vn = distance > 0 ? north * fraction / dt : 0
  vehicle.ve = distance > 0 ? east * fraction / dt : 0
  vehicle.lat += north * fraction / METRES_PER_DEGREE
  vehicle.lon += east * fraction / (METRES_PER_DEGREE * Math.cos(vehicle.lat * Math.PI / 180))
  if (step > 0.01) {
    vehicle.heading = Math.atan2(east, north) * 180 / Math.PI
  }
  const climb = Math.max(-DESCEND_MPS * dt, Math.min(CLIMB_MPS * dt, alt - vehicle.alt))
  vehicle.alt += climb
  vehicle.vd = -climb / dt
  return distance - step < 1 && Math.abs(alt - vehicle.alt) < 0.5
}

function land(dt) {
  vehicle.landed = MavLandedState.LANDING
  vehicle.vn = vehicle.ve = 0
  vehicle.vd = DESCEND_MPS
  vehicle.alt = Math.max(0, vehicle.alt - DESCEND_MPS * dt)
  if (vehicle.alt === 0) {
    // PX4 disarms by itself once it is down.
    vehicle.landed = MavLandedState.ON_GROUND
    vehicle.armed = false
    vehicle.vd = 0
    vehicle.missionActive = false
    emit('landed', { lat: vehicle.lat, lon: vehicle.lon })
  }
}

function hold(lat = vehicle.lat, lon = vehicle.lon, alt = vehicle.alt) {
  vehicle.mode = 'LOITER'
  vehicle.target = { lat, lon, alt }
}

function missionStep(dt) {
  const item = vehicle.mission[vehicle.current]
  if (!item) {
    // Done: PX4 holds where the last item left it.
    vehicle.missionActive = false
    hold()
    emit('mission-finished', { count: vehicle.mission.length })
    return
  }
  let reached = false
  switch (item.command) {
    case MavCmd.NAV_TAKEOFF:
      vehicle.landed = vehicle.alt < item.alt - 0.5 ? MavLandedState.TAKEOFF : MavLandedState.IN_AIR
      reached = flyTowards(vehicle.lat, vehicle.lon, item.alt, dt)
      break
    case MavCmd.NAV_WAYPOINT:
      reached = flyTowards(item.lat, item.lon, item.alt, dt)
      break
    case MavCmd.NAV_RETURN_TO_LAUNCH:
      vehicle.mode = 'RTL'
      vehicle.missionActive = false
      vehicle.target = null
      emit('mission-item-reached', { seq: item.seq })
      send(Object.assign(new common.MissionItemReached(), { seq: item.seq }))
      return
    case MavCmd.NAV_LAND:
      if (item.lat !== 0 || item.lon !== 0) {
        if (!flyTowards(item.lat, item.lon, vehicle.alt, dt)) {
          return
        }
      }
      land(dt)
      reached = vehicle.landed === MavLandedState.ON_GROUND
      break
    default:
      reached = true   // an item this vehicle does not fly (camera, speed...) counts as done
  }
  if (reached) {
    emit('mission-item-reached', { seq: item.seq })
    send(Object.assign(new common.MissionItemReached(), { seq: item.seq }))
    vehicle.current++
    lastSent.set(common.MissionCurrent.MSG_ID, 0)   // the new current item goes out now
  }
}

function tick() {
  const dt = TICK_MS / 1000
  if (vehicle.armed && vehicle.landed !== MavLandedState.ON_GROUND) {
    vehicle.battery = Math.max(0, vehicle.battery - 0.02 * dt)
  }
  switch (vehicle.mode) {
    case 'POSCTL': {
      if (vehicle.landed === MavLandedState.ON_GROUND) break
      vehicle.orbitAngle += vehicle.speed * dt / ORBIT_RADIUS_M
      const lat = home.lat + ORBIT_RADIUS_M * Math.cos(vehicle.orbitAngle) / METRES_PER_DEGREE
      const lon = home.lon + ORBIT_RADIUS_M * Math.sin(vehicle.orbitAngle) /
        (METRES_PER_DEGREE * Math.cos(home.lat * Math.PI / 180))
      flyTowards(lat, lon, vehicle.alt, dt)
      break
    }
    case 'TAKEOFF':
      vehicle.landed = MavLandedState.TAKEOFF
      if (flyTowards(vehicle.lat, vehicle.lon, vehicle.takeoffAlt, dt)) {
        vehicle.landed = MavLandedState.IN_AIR
        hold()
        emit('took-off', { alt: vehicle.alt })
      }
      break
    case 'LOITER':
      if (vehicle.landed !== MavLandedState.ON_GROUND && vehicle.target) {
        flyTowards(vehicle.target.lat, vehicle.target.lon, vehicle.target.alt, dt)
      } else {
        vehicle.vn = vehicle.ve = vehicle.vd = 0
      }
      break
    case 'MISSION':
      if (vehicle.missionActive) missionStep(dt)
      break
    case 'RTL':
      if (vehicle.landed === MavLandedState.ON_GROUND) break
      if (metresTo(home.lat, home.lon).distance > 1) {
        vehicle.homeSince = null
        flyTowards(home.lat, home.lon, Math.max(vehicle.alt, RTL_MIN_ALT_M), dt)
      } else {
        if (vehicle.homeSince == null) {
          vehicle.homeSince = Date.now()
          emit('home', { alt: vehicle.alt })
        }
        if (rtlLandDelayS >= 0 && Date.now() - vehicle.homeSince >= rtlLandDelayS * 1000) {
          land(dt)
        } else {
          flyTowards(home.lat, home.lon, vehicle.alt, dt)
        }
      }
      break
    case 'LAND':
      if (vehicle.landed !== MavLandedState.ON_GROUND) land(dt)
      break
  }
  stream(Date.now())
}

// --- frames in ---------------------------------------------------------------------------------------------------
const lastStampOfStream = new Map()
let groundStation = { systemId: 255, componentId: 190 }

/** A vehicle with signing on takes only frames signed with its key, each later than the last of its stream. */
function trusted(packet) {
  if (!key || acceptUnsigned && !packet.signature) return true
  if (!packet.signature) {
    emit('refused', { reason: 'unsigned', msgid: packet.header.msgid })
    return false
  }
  if (!packet.signature.matches(key)) {
    emit('refused', { reason: 'bad-signature', msgid: packet.header.msgid })
    return false
  }
  const stream = `${packet.header.sysid}/${packet.header.compid}/${packet.signature.linkId}`
  if (packet.signature.timestamp <= (lastStampOfStream.get(stream) ?? 0)) {
    emit('refused', { reason: 'replayed', msgid: packet.header.msgid })
    return false
  }
  lastStampOfStream.set(stream, packet.signature.timestamp)
  return true
}

function ack(command, result, to) {
  const message = new common.CommandAck()
  message.command = command
  message.result = result
  message.targetSystem = to.systemId
  message.targetComponent = to.componentId
  send(message)
}

/** Altitude above home from a command's or item's altitude: AMSL when above home's, else already relative. */
function relativeAlt(z, fallback) {
  if (!Number.isFinite(z)) return fallback
  return z > HOME_AMSL_M + 1 ? z - HOME_AMSL_M : z
}

const inAir = () => vehicle.armed && vehicle.landed !== MavLandedState.ON_GROUND

function execute(command, p, lat, lon) {
  switch (command) {
    case MavCmd.COMPONENT_ARM_DISARM:
      if (p[0] >= 0.5) {
        if (vehicle.battery < 10) return MavResult.DENIED
        // As PX4 and ArduPilot do: home is where the vehicle arms (on the ground).
        if (!vehicle.armed && !inAir()) Object.assign(home, { lat: vehicle.lat, lon: vehicle.lon })
        vehicle.armed = true
        return MavResult.ACCEPTED
      }
      if (inAir() && p[1] !== 21196) return MavResult.DENIED   // no disarming in the air unless forced
      vehicle.armed = false
      return MavResult.ACCEPTED
    case MavCmd.NAV_TAKEOFF:
      if (!vehicle.armed) return MavResult.DENIED
      vehicle.takeoffAlt = relativeAlt(p[6], DEFAULT_TAKEOFF_M)
      vehicle.mode = 'TAKEOFF'
      vehicle.missionActive = false
      return MavResult.ACCEPTED
    case MavCmd.DO_REPOSITION:
      if (!inAir()) return MavResult.DENIED
      if (p[0] > 0) vehicle.speed = Math.min(p[0], 20)
      vehicle.missionActive = false
      hold(Number.isFinite(lat) ? lat : vehicle.lat, Number.isFinite(lon) ? lon : vehicle.lon, relativeAlt(p[6], vehicle.alt))
      return MavResult.ACCEPTED
    case MavCmd.DO_PAUSE_CONTINUE:
      if (p[0] < 0.5) {
        if (!inAir()) return MavResult.DENIED
        vehicle.pausedMode = vehicle.mode
        hold()
        return MavResult.ACCEPTED
      }
      if (vehicle.pausedMode !== 'MISSION' || !inAir()) return MavResult.DENIED
      vehicle.mode = 'MISSION'
      vehicle.missionActive = true
      return MavResult.ACCEPTED
    case MavCmd.DO_CHANGE_SPEED:
      if (!(p[1] > 0)) return MavResult.DENIED
      vehicle.speed = Math.min(p[1], 20)
      return MavResult.ACCEPTED
    case MavCmd.NAV_RETURN_TO_LAUNCH:
      if (!inAir()) return MavResult.DENIED
      vehicle.mode = 'RTL'
      vehicle.missionActive = false
      return MavResult.ACCEPTED
    case MavCmd.NAV_LAND:
      if (!inAir()) return MavResult.DENIED
      vehicle.mode = 'LAND'
      vehicle.missionActive = false
      return MavResult.ACCEPTED
    case MavCmd.MISSION_START: {
      const first = Math.max(0, Math.floor(p[0] || 0))
      if (vehicle.mission.length === 0 || first >= vehicle.mission.length || !vehicle.armed) return MavResult.DENIED
      vehicle.current = first
      vehicle.mode = 'MISSION'
      vehicle.missionActive = true
      if (vehicle.landed === MavLandedState.ON_GROUND) vehicle.landed = MavLandedState.TAKEOFF
      return MavResult.ACCEPTED
    }
    case MavCmd.SET_MESSAGE_INTERVAL: {
      const entry = streams.get(Math.round(p[0]))
      if (!entry) return MavResult.DENIED
      entry[0] = p[1] === -1 ? 0 : p[1] === 0 ? defaults.get(Math.round(p[0])) : Math.max(10, p[1] / 1000)
      return MavResult.ACCEPTED
    }
    default:
      return MavResult.UNSUPPORTED
  }
}

let lastCommand = null

function onCommand(data, isInt, from) {
  const p = [data._param1, data._param2, data._param3, data._param4, data._param5, data._param6, data._param7]
  const lat = isInt ? data._param5 / 1e7 : data._param5
  const lon = isInt ? data._param6 / 1e7 : data._param6
  const identity = `${data.command}:${p.join(',')}`
  const now = Date.now()
  if (data.confirmation > 0 && lastCommand && lastCommand.identity === identity && now - lastCommand.at < RETRY_WINDOW_MS) {
    // The ground station lost our ACK and asks again: answer again, do not do it twice.
    ack(data.command, lastCommand.result, from)
    emit('command-retried', { command: data.command, confirmation: data.confirmation, result: lastCommand.result })
    return
  }
  const result = execute(data.command, p, isInt && data._param5 === 0 ? NaN : lat, isInt && data._param6 === 0 ? NaN : lon)
  lastCommand = { identity, result, at: now }
  ack(data.command, result, from)
  emit('command', { command: data.command, int: isInt, result, mode: vehicle.mode })
}

let upload = null

function requestItem(seq) {
  const message = new common.MissionRequestInt()
  message.targetSystem = upload.from.systemId
  message.targetComponent = upload.from.componentId
  message.seq = seq
  message.missionType = 0
  send(message)
  clearTimeout(upload.timer)
  upload.timer = setTimeout(() => {
    if (!upload) return
    if (++upload.tries >= MISSION_TRIES) {
      emit('mission-upload-failed', { reason: 'timeout', seq })
      missionAck(upload.from, MavMissionResult.OPERATION_CANCELLED)
      upload = null
      return
    }
    requestItem(seq)
  }, MISSION_RETRY_MS)
}

function missionAck(to, type) {
  const message = new common.MissionAck()
  message.targetSystem = to.systemId
  message.targetComponent = to.componentId
  message.type = type
  message.missionType = 0
  send(message)
}

function onMissionCount(data, from) {
  if (data.missionType !== 0) {
    missionAck(from, MavMissionResult.UNSUPPORTED)
    return
  }
  if (upload) clearTimeout(upload.timer)
  if (data.count === 0) {
    vehicle.mission = []
    vehicle.missionActive = false
    missionAck(from, MavMissionResult.ACCEPTED)
    return
  }
  upload = { count: data.count, items: [], expect: 0, tries: 0, from, timer: null }
  emit('mission-upload-started', { count: data.count })
  requestItem(0)
}

function onMissionItem(data, from) {
  if (!upload || data.missionType !== 0) return
  if (data.seq !== upload.expect) {
    requestItem(upload.expect)   // out of order: ask again for the one expected
    return
  }
  const relative = data.frame === MavFrame.GLOBAL_RELATIVE_ALT || data.frame === MavFrame.GLOBAL_RELATIVE_ALT_INT
  upload.items.push({
    seq: data.seq, command: data.command, lat: data.x / 1e7, lon: data.y / 1e7,
    alt: relative ? data.z : relativeAlt(data.z, vehicle.alt),
  })
  upload.expect++
  upload.tries = 0
  if (upload.expect < upload.count) {
    requestItem(upload.expect)
    return
  }
  clearTimeout(upload.timer)
  vehicle.mission = upload.items
  vehicle.current = 0
  vehicle.missionActive = false
  missionAck(from, MavMissionResult.ACCEPTED)
  emit('mission-uploaded', { count: vehicle.mission.length, commands: vehicle.mission.map(item => item.command) })
  upload = null
}

function onPacket(packet) {
  const clazz = REGISTRY[packet.header.msgid]
  if (!clazz || !trusted(packet)) return
  const data = packet.protocol.data(packet.payload, clazz)
  if ('targetSystem' in data && data.targetSystem !== systemId && data.targetSystem !== 0) return
  const from = { systemId: packet.header.sysid, componentId: packet.header.compid }
  groundStation = from
  switch (packet.header.msgid) {
    case common.CommandLong.MSG_ID: onCommand(data, false, from); break
    case common.CommandInt.MSG_ID: onCommand(data, true, from); break
    case common.MissionCount.MSG_ID: onMissionCount(data, from); break
    case common.MissionItemInt.MSG_ID: onMissionItem(data, from); break
    case common.MissionClearAll.MSG_ID:
      vehicle.mission = []
      vehicle.missionActive = false
      missionAck(from, MavMissionResult.ACCEPTED)
      break
    default:
      break
  }
}

const splitter = new MavLinkPacketSplitter()
splitter.pipe(new MavLinkPacketParser()).on('data', onPacket)
socket.on('message', datagram => splitter.write(datagram))
socket.on('error', error => {
  emit('error', { message: String(error) })
})

let timer = null
function stop() {
  clearInterval(timer)
  socket.close()
  emit('stopped')
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
if (flag('--stop-with-stdin')) {
  // Its parent (a test) holds the other end: if the parent dies without stopping it, the vehicle stops too.
  process.stdin.on('end', stop)
  process.stdin.resume()
}

socket.bind(0, () => {
  emit('ready', { systemId, port: socket.address().port, signed: key !== null, groundStation })
  timer = setInterval(tick, TICK_MS)
})
