// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {AddressAlias} from "../shared/AddressAlias.sol";
import {Predeploys} from "../shared/Predeploys.sol";
import {Portal} from "../L1/Portal.sol";
import {BridgedERC20} from "./BridgedERC20.sol";
import {L2ToL1MessagePasser} from "./L2ToL1MessagePasser.sol";

/// @title L2StandardBridge
/// @notice Predeploy at 0x4200…0010: the L2 end of ERC-20 bridging. The L1 portal's ERC-20
///         deposits arrive here as `finalizeDeposit` calls, which mint a {BridgedERC20};
///         withdrawals burn it and send a message that makes the portal release the L1 tokens.
/// @dev Installed as runtime code in the genesis alloc: no constructor runs, so the L1 portal
///      address is written into storage slot 0 by the genesis. Storage layout: slot 0
///      `l1Portal`, slot 1 `l1TokenOf`.
contract L2StandardBridge {
    /// @notice Gas for the portal's `finalizeERC20Withdrawal` on L1.
    uint256 public constant WITHDRAWAL_GAS_LIMIT = 200_000;

    /// @notice Slot 0: the L1 portal (set in the genesis alloc).
    address public l1Portal;

    /// @notice Slot 1: the L1 token of each bridged token this bridge created (zero otherwise).
    mapping(address l2Token => address l1Token) public l1TokenOf;

    event DepositFinalized(
        address indexed l1Token,
        address indexed l2Token,
        address indexed from,
        address to,
        uint256 amount
    );
    event WithdrawalInitiated(
        address indexed l1Token,
        address indexed l2Token,
        address indexed from,
        address to,
        uint256 amount
    );
    event BridgedTokenCreated(address indexed l1Token, address indexed l2Token, string name, string symbol, uint8 decimals);

    /// @notice Only deposits from the L1 portal (arriving from its alias) may mint.
    error NotFromPortal(address caller);
    /// @notice The token was not created by this bridge.
    error UnknownToken(address l2Token);
    error InvalidRecipient();
    error ZeroAmount();

    /// @notice Mints `amount` of the bridged `l1Token` to `to`, creating the L2 token on the
    ///         first deposit. Called by the deposit transaction of `Portal.depositERC20`.
    function finalizeDeposit(
        address l1Token,
        address from,
        address to,
        uint256 amount,
        string calldata name,
        string calldata symbol,
        uint8 decimals
    ) external {
        if (msg.sender != AddressAlias.applyL1ToL2Alias(l1Portal)) revert NotFromPortal(msg.sender);
        bytes32 salt = _salt(l1Token);
        address l2Token = Create2.computeAddress(salt, keccak256(type(BridgedERC20).creationCode));
        if (l1TokenOf[l2Token] == address(0)) {
            new BridgedERC20{salt: salt}();
            BridgedERC20(l2Token).initialize(l1Token, name, symbol, decimals);
            l1TokenOf[l2Token] = l1Token;
            emit BridgedTokenCreated(l1Token, l2Token, name, symbol, decimals);
        }
        BridgedERC20(l2Token).mint(to, amount);
        emit DepositFinalized(l1Token, l2Token, from, to, amount);
    }

    /// @notice Burns `amount` of `l2Token` from the caller and withdraws it to `to` on L1.
    function withdrawTo(address l2Token, address to, uint256 amount) public {
        address l1Token = l1TokenOf[l2Token];
        if (l1Token == address(0)) revert UnknownToken(l2Token);
        // The portal's ERC-20 transfer to zero would revert forever: the tokens would be lost.
        if (to == address(0)) revert InvalidRecipient();
        if (amount == 0) revert ZeroAmount();
        BridgedERC20(l2Token).burn(msg.sender, amount);
        L2ToL1MessagePasser(payable(Predeploys.L2_TO_L1_MESSAGE_PASSER)).initiateWithdrawal(
            l1Portal,
            WITHDRAWAL_GAS_LIMIT,
            abi.encodeCall(Portal.finalizeERC20Withdrawal, (l1Token, msg.sender, to, amount))
        );
        emit WithdrawalInitiated(l1Token, l2Token, msg.sender, to, amount);
    }

    /// @notice Withdraws to the caller's own address on L1.
    function withdraw(address l2Token, uint256 amount) external {
        withdrawTo(l2Token, msg.sender, amount);
    }

    /// @notice The L2 token for `l1Token`, whether or not it has been created yet.
    function l2TokenFor(address l1Token) external view returns (address) {
        return Create2.computeAddress(_salt(l1Token), keccak256(type(BridgedERC20).creationCode));
    }

    function _salt(address l1Token) private pure returns (bytes32) {
        return bytes32(uint256(uint160(l1Token)));
    }
}
