// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Predeploys} from "../../shared/Predeploys.sol";

/// @title RelayGasPaymaster
/// @notice Predeploy at 0x4200…0029: where the sender of a cross-chain message pays, on the
///         SOURCE chain, for the gas its relay may use on the destination (the idea of
///         Hyperlane's InterchainGasPaymaster and of Arbitrum's retryables). The network's
///         sequencer relays a message automatically only if its gas was paid here, and gives
///         the relay exactly the gas paid (plus the computed cost of relayMessage itself), so a
///         message can never make the destination do more work than its sender bought.
///         Unpaid messages stay deliverable by anyone who sends the relay transaction by hand.
///
///         Payments are keyed by message hash and add up (a top-up after the message was sent,
///         even after a relay ran out of gas, relays it again with the new total). The hash
///         binds the destination, so the first payment fixes it and later ones must agree.
///         Paying for a hash no message has is allowed (it lets a contract pay before it
///         sends) and simply never leads to a relay: the sequencer pairs a payment with a
///         message only when the message's `SentMessage` log exists on this same chain.
///
///         Price per gas: max(block.basefee, MIN_GAS_PRICE) × HEADROOM. The relay runs on a
///         sibling chain whose base fee is not visible here; the headroom covers the
///         destination's base fee rising up to twice the source's, and the floor keeps an idle
///         chain (base fee near zero) from selling relay gas for nothing. On a chain whose
///         native asset is an L1 token, the price is in that asset.
///
///         The whole payment goes to the SequencerFeeVault, where the sequencer's priority
///         fees go: the network, which signs and pays for relays, is paid where it collects
///         its revenue. Value above the quote is sent back to the payer after the payment is
///         recorded (so a payer that re-enters can only pay again, never change what it paid);
///         a refund that fails reverts the whole payment, so no value is ever kept by mistake.
/// @dev Installed as runtime code in the genesis alloc (no constructor). Storage: slot 0
///      `paidGas`, slot 1 `destinationOf`.
contract RelayGasPaymaster {
    /// @notice Gas above which no relay can ever run: a transaction's cap (EIP-7825), which is
    ///         also the most the sequencer gives one relay. The total paid for one message may
    ///         not exceed it (more could never be used).
    uint256 public constant MAX_RELAY_GAS = 16_777_216;

    /// @notice Floor of the price per gas, in wei of the native asset (0.01 gwei).
    uint256 public constant MIN_GAS_PRICE = 10_000_000;

    /// @notice Multiplier on the source chain's base fee (see the contract notice).
    uint256 public constant HEADROOM = 2;

    /// @notice Gas each payment is charged on top of `gasLimit`: the relay transaction's own
    ///         cost on the destination (21,000, its calldata and access list, and relayMessage's
    ///         checks and writes, about 90k for a short message), which the network spends
    ///         whatever the target does. Each payment can fund one relay attempt, so each pays it.
    uint256 public constant RELAY_OVERHEAD_GAS = 100_000;

    string public constant version = "1.0.0";

    /// @notice Gas paid for the relay of each message, summed over its payments.
    mapping(bytes32 msgHash => uint256) public paidGas;

    /// @notice The destination the first payment for each message named.
    mapping(bytes32 msgHash => uint256) public destinationOf;

    /// @notice A payment (`gasLimit` more gas for the relay of `msgHash` to `destination`),
    ///         what the sequencer reads to relay the message.
    event RelayGasPaid(
        bytes32 indexed msgHash, uint256 indexed destination, uint256 gasLimit, address indexed payer, uint256 amount
    );

    error ZeroGas();
    error DestinationSameChain();
    error ZeroDestination();
    error DestinationMismatch(uint256 paidFor, uint256 given);
    error GasLimitTooHigh(uint256 total, uint256 max);
    error InsufficientPayment(uint256 required, uint256 sent);
    error TransferFailed();

    /// @notice Price of `_gasLimit` gas of relay to `_destination` in this block (with the
    ///         relay's own overhead, `RELAY_OVERHEAD_GAS`).
    function quoteRelay(uint256 _destination, uint256 _gasLimit) public view returns (uint256) {
        _destination; // every destination of the network costs the same today
        if (_gasLimit > MAX_RELAY_GAS) revert GasLimitTooHigh(_gasLimit, MAX_RELAY_GAS);
        return (_gasLimit + RELAY_OVERHEAD_GAS) * gasPrice();
    }

    /// @notice Price of one gas of relay in this block.
    /// @dev max(block.basefee, MIN_GAS_PRICE) without a branch, so this costs the same gas
    ///      on either side of the minimum: a wallet's exact gas estimate made against one
    ///      block's base fee then still holds in the next block, whose base fee may have
    ///      crossed it (an idle chain's base fee falls past the minimum within seconds).
    function gasPrice() public view returns (uint256) {
        uint256 base;
        uint256 floor_ = MIN_GAS_PRICE;
        assembly ("memory-safe") {
            let fee := basefee()
            base := xor(fee, mul(xor(fee, floor_), lt(fee, floor_)))
        }
        return base * HEADROOM;
    }

    /// @notice Pays for `_gasLimit` more gas for the relay of the message `_msgHash` sent from
    ///         this chain to `_destination`. `msg.value` must cover `quoteRelay`; the excess is
    ///         refunded to the caller.
    function payForRelay(bytes32 _msgHash, uint256 _destination, uint256 _gasLimit) external payable {
        if (_gasLimit == 0) revert ZeroGas();
        if (_destination == 0) revert ZeroDestination();
        if (_destination == block.chainid) revert DestinationSameChain();
        uint256 fixed_ = destinationOf[_msgHash];
        if (fixed_ != 0 && fixed_ != _destination) revert DestinationMismatch(fixed_, _destination);
        // Checked before multiplying: the bound keeps the product far from overflowing.
        uint256 total = paidGas[_msgHash] + (_gasLimit > MAX_RELAY_GAS ? MAX_RELAY_GAS + 1 : _gasLimit);
        if (total > MAX_RELAY_GAS) revert GasLimitTooHigh(total, MAX_RELAY_GAS);
        uint256 price = (_gasLimit + RELAY_OVERHEAD_GAS) * gasPrice();
        if (msg.value < price) revert InsufficientPayment(price, msg.value);

        paidGas[_msgHash] = total;
        if (fixed_ == 0) destinationOf[_msgHash] = _destination;
        emit RelayGasPaid(_msgHash, _destination, _gasLimit, msg.sender, price);

        _send(Predeploys.SEQUENCER_FEE_VAULT, price);
        if (msg.value > price) _send(msg.sender, msg.value - price);
    }

    function _send(address _to, uint256 _amount) private {
        (bool ok,) = _to.call{value: _amount}("");
        if (!ok) revert TransferFailed();
    }
}
